import { describe, expect, it } from "vitest";
import type { Revocation } from "../../src/protocol.ts";
import { isRevoked, matches, toRevocation } from "../../src/tenant/revocations.ts";

const NOW = 1_800_000_000;
const DAY = 86_400;

describe("toRevocation", () => {
  it("keeps a jti revocation for the longest token lifetime from now", () => {
    expect(toRevocation({ jti: "t-1" }, NOW, DAY)).toEqual({ kind: "jti", jti: "t-1", keepUntil: NOW + DAY });
  });

  it("revokes a sub up to now by default, kept a token lifetime past that", () => {
    expect(toRevocation({ sub: "alice" }, NOW, DAY)).toEqual({
      kind: "sub",
      sub: "alice",
      before: NOW,
      keepUntil: NOW + DAY,
    });
  });

  it("keeps a sub revocation a token lifetime past an explicit before, even one in the future", () => {
    expect(toRevocation({ sub: "alice", before: NOW + 60 }, NOW, DAY)).toMatchObject({
      before: NOW + 60,
      keepUntil: NOW + 60 + DAY,
    });
  });
});

describe("matches", () => {
  const byJti: Revocation = { kind: "jti", jti: "t-1", keepUntil: NOW + DAY };
  const bySub: Revocation = { kind: "sub", sub: "alice", before: 1_000, keepUntil: NOW + DAY };

  it("matches the token with that jti, whoever holds it", () => {
    expect(matches(byJti, { id: "bob", jti: "t-1" })).toBe(true);
  });

  it("does not match another jti, or a token without one", () => {
    expect(matches(byJti, { id: "alice", jti: "t-2" })).toBe(false);
    expect(matches(byJti, { id: "alice" })).toBe(false);
  });

  it("covers a token of the sub issued before, or in the same second as, before", () => {
    expect(matches(bySub, { id: "alice", iat: 999 })).toBe(true);
    expect(matches(bySub, { id: "alice", iat: 1_000 })).toBe(true);
  });

  it("spares a token of the sub issued after before", () => {
    expect(matches(bySub, { id: "alice", iat: 1_001 })).toBe(false);
  });

  it("covers a token of the sub without iat, which cannot be placed in time", () => {
    expect(matches(bySub, { id: "alice" })).toBe(true);
  });

  it("spares another sub's tokens", () => {
    expect(matches(bySub, { id: "alicia", iat: 1 })).toBe(false);
  });
});

describe("isRevoked", () => {
  const list: Revocation[] = [
    { kind: "jti", jti: "old", keepUntil: NOW },
    { kind: "sub", sub: "alice", before: NOW, keepUntil: NOW + DAY },
  ];

  it("is true when any kept revocation matches", () => {
    expect(isRevoked(list, { id: "alice", iat: NOW - 5 }, NOW)).toBe(true);
  });

  it("ignores a revocation once its keepUntil has come", () => {
    expect(isRevoked(list, { id: "bob", jti: "old" }, NOW)).toBe(false);
    expect(isRevoked(list, { id: "bob", jti: "old" }, NOW - 1)).toBe(true);
  });

  it("is false for an empty list", () => {
    expect(isRevoked([], { id: "alice" }, NOW)).toBe(false);
  });
});
