import { describe, expect, it } from "vitest";
import { backoffDelay, nextAttempt, retryDelay } from "../../src/client/backoff.ts";

const opts = { baseMs: 500, maxMs: 30_000 };

describe("backoffDelay (full jitter)", () => {
  it("is random() times the ceiling base * 2^attempt", () => {
    expect(backoffDelay(0, opts, () => 0.5)).toBe(250);
    expect(backoffDelay(1, opts, () => 0.5)).toBe(500);
    expect(backoffDelay(3, opts, () => 0.25)).toBe(1000);
  });

  it("spans the whole range from 0 to just under the ceiling", () => {
    expect(backoffDelay(2, opts, () => 0)).toBe(0);
    expect(backoffDelay(2, opts, () => 0.999999)).toBe(1999);
    // A random source that returns exactly 1 still stays below the ceiling.
    expect(backoffDelay(2, opts, () => 1)).toBe(1999);
  });

  it("never lets the ceiling grow past maxMs, even for huge attempt numbers", () => {
    expect(backoffDelay(6, opts, () => 0.5)).toBe(15_000);
    expect(backoffDelay(7, opts, () => 0.5)).toBe(15_000);
    expect(backoffDelay(10_000, opts, () => 0.999)).toBe(29_970);
    expect(Number.isFinite(backoffDelay(Number.MAX_SAFE_INTEGER, opts, () => 0.5))).toBe(true);
  });

  it("stays within [0, ceiling) for many random draws", () => {
    for (let attempt = 0; attempt < 12; attempt++) {
      const ceiling = Math.min(opts.maxMs, opts.baseMs * 2 ** attempt);
      for (let i = 0; i < 200; i++) {
        const d = backoffDelay(attempt, opts, Math.random);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(ceiling);
      }
    }
  });

  it("treats a negative attempt as the first one and clamps a random source out of range", () => {
    expect(backoffDelay(-3, opts, () => 0.5)).toBe(250);
    expect(backoffDelay(0, opts, () => -1)).toBe(0);
  });
});

describe("retryDelay", () => {
  it("waits at least as long as the gateway's Retry-After", () => {
    expect(retryDelay(0, opts, () => 0.5, 10_000)).toBe(10_000);
    expect(retryDelay(6, opts, () => 0.9, 1_000)).toBe(27_000);
    expect(retryDelay(1, opts, () => 0.5)).toBe(500);
  });
});

describe("nextAttempt", () => {
  it("starts over after a connection that stayed up long enough", () => {
    expect(nextAttempt(5, 5_000, 5_000)).toBe(0);
  });

  it("keeps climbing after a connection that dropped quickly or never opened", () => {
    expect(nextAttempt(5, 4_999, 5_000)).toBe(5);
    expect(nextAttempt(5, undefined, 5_000)).toBe(5);
  });
});
