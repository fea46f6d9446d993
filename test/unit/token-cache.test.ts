import { describe, expect, it } from "vitest";
import type { UserPrincipal } from "../../src/auth/principal.ts";
import { VerifiedTokens } from "../../src/auth/token-cache.ts";

const T = 1_800_000_000;
const principal = (id: string, exp = T + 600): UserPrincipal => ({
  kind: "user",
  id,
  tenant: "acme",
  scopes: ["subscribe"],
  exp,
});

describe("VerifiedTokens", () => {
  it("answers for a token from its verification until the second before its exp", () => {
    const cache = new VerifiedTokens(10);
    cache.set("d1", principal("alice"), T);
    expect(cache.get("d1", T)?.id).toBe("alice");
    expect(cache.get("d1", T + 599)?.id).toBe("alice");
    expect(cache.get("d1", T + 600)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("does not answer for a clock earlier than the verification", () => {
    const cache = new VerifiedTokens(10);
    cache.set("d1", principal("alice"), T);
    expect(cache.get("d1", T - 1)).toBeUndefined();
    expect(cache.get("d1", T)?.id).toBe("alice");
  });

  it("keeps no token that is already at its exp", () => {
    const cache = new VerifiedTokens(10);
    cache.set("d1", principal("alice", T), T);
    expect(cache.size).toBe(0);
  });

  it("holds at most its capacity, dropping the least recently used", () => {
    const cache = new VerifiedTokens(2);
    cache.set("a", principal("a"), T);
    cache.set("b", principal("b"), T);
    cache.get("a", T);
    cache.set("c", principal("c"), T);
    expect(cache.size).toBe(2);
    expect(cache.get("b", T)).toBeUndefined();
    expect(cache.get("a", T)?.id).toBe("a");
    expect(cache.get("c", T)?.id).toBe("c");
  });

  it("never confuses two digests", () => {
    const cache = new VerifiedTokens(10);
    cache.set("a", principal("alice"), T);
    expect(cache.get("b", T)).toBeUndefined();
  });
});
