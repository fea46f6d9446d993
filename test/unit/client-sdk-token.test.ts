import { describe, expect, it } from "vitest";
import { DEFAULT_REFRESH, decodeTokenExp, refreshDelayMs } from "../../src/client/token.ts";
import { fakeJwt } from "./client-sdk-fakes.ts";

describe("decodeTokenExp", () => {
  it("reads exp from a JWT without verifying it", () => {
    expect(decodeTokenExp(fakeJwt({ sub: "alice", exp: 1_900_000_000 }))).toBe(1_900_000_000);
  });

  it("reads payloads with non-ASCII claims and base64url characters", () => {
    expect(decodeTokenExp(fakeJwt({ sub: "zoë ✓ ~~~ ???", exp: 42 }))).toBe(42);
  });

  it("returns undefined for tokens it cannot read", () => {
    expect(decodeTokenExp("opaque-token")).toBeUndefined();
    expect(decodeTokenExp("a.b")).toBeUndefined();
    expect(decodeTokenExp("a.!!!.c")).toBeUndefined();
    expect(decodeTokenExp(`x.${btoa("not json")}.y`)).toBeUndefined();
    expect(decodeTokenExp(fakeJwt({ sub: "alice" }))).toBeUndefined();
    expect(decodeTokenExp(fakeJwt({ exp: "soon" }))).toBeUndefined();
    expect(decodeTokenExp(`x.${btoa("[1]").replace(/=+$/, "")}.y`)).toBeUndefined();
  });
});

describe("refreshDelayMs", () => {
  const now = 1_700_000_000_000;
  const exp = (secondsFromNow: number) => (now + secondsFromNow * 1000) / 1000;

  it("refreshes an hour-long token 60 s before it expires", () => {
    expect(refreshDelayMs(exp(3600), now, now, DEFAULT_REFRESH)).toBe(3_540_000);
  });

  it("refreshes a short token at 80% of its lifetime rather than 60 s early", () => {
    expect(refreshDelayMs(exp(90), now, now, DEFAULT_REFRESH)).toBe(72_000);
    expect(refreshDelayMs(exp(300), now, now, DEFAULT_REFRESH)).toBe(240_000);
  });

  it("counts from when the token was obtained, not from now", () => {
    // A 10-minute token obtained 5 minutes ago: refresh at 9 minutes, 4 minutes from now.
    expect(refreshDelayMs(exp(300), now - 300_000, now, DEFAULT_REFRESH)).toBe(240_000);
  });

  it("never schedules sooner than minDelayMs, even for an expired or nearly expired token", () => {
    expect(refreshDelayMs(exp(-10), now, now, DEFAULT_REFRESH)).toBe(1_000);
    expect(refreshDelayMs(exp(1), now, now, DEFAULT_REFRESH)).toBe(1_000);
  });

  it("honours a custom policy", () => {
    expect(refreshDelayMs(exp(3600), now, now, { leadMs: 300_000, lifetimeFraction: 0.5, minDelayMs: 0 })).toBe(
      3_300_000,
    );
  });
});
