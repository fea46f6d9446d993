import { describe, expect, it } from "vitest";
import type { Revocation } from "../../src/protocol.ts";
import { matches } from "../../src/tenant/revocations.ts";

describe("matches", () => {
  const bySub: Revocation = { kind: "sub", sub: "alice", before: 1_000, keepUntil: 2_000 };

  it("covers a token of the sub issued in the same second as before", () => {
    expect(matches(bySub, { sub: "alice", iat: 1_000 })).toBe(true);
  });
});
