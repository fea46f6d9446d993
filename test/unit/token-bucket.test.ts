import { describe, expect, it } from "vitest";
import { Buckets, fullBucket, ruleFor, take } from "../../src/limits/token-bucket.ts";

// 4 tokens over 1 s: one token refills every 250 ms.
const rule = ruleFor(4, 1000);

function takeMany(n: number, at: number, start = fullBucket(rule, at)) {
  let bucket = start;
  const allowed: boolean[] = [];
  for (let i = 0; i < n; i++) {
    const r = take(bucket, rule, at);
    allowed.push(r.allowed);
    bucket = r.bucket;
  }
  return { allowed, bucket };
}

describe("token bucket", () => {
  it("starts full at its capacity", () => {
    expect(fullBucket(rule, 123)).toEqual({ tokens: 4, updatedAt: 123 });
  });

  it("allows exactly `capacity` takes at one instant, then refuses", () => {
    expect(takeMany(5, 0).allowed).toEqual([true, true, true, true, false]);
  });

  it("refills one token per window/capacity of elapsed time", () => {
    const empty = takeMany(4, 0).bucket;
    expect(take(empty, rule, 249).allowed).toBe(false);
    expect(take(empty, rule, 250).allowed).toBe(true);
    expect(takeMany(3, 500, empty).allowed).toEqual([true, true, false]);
  });

  it("never refills beyond its capacity, however long it idles", () => {
    const empty = takeMany(4, 0).bucket;
    expect(takeMany(5, 1_000_000, empty).allowed).toEqual([true, true, true, true, false]);
  });

  it("gains nothing when the clock goes backwards", () => {
    const empty = takeMany(4, 10_000).bucket;
    expect(take(empty, rule, 0).allowed).toBe(false);
  });

  it("keeps a refused take's refill progress", () => {
    const empty = takeMany(4, 0).bucket;
    const refused = take(empty, rule, 125);
    expect(refused.allowed).toBe(false);
    expect(take(refused.bucket, rule, 250).allowed).toBe(true);
  });

  it("keeps one bucket per key, and a deleted key starts full again", () => {
    const buckets = new Buckets(ruleFor(1, 1000));
    expect(buckets.allow("a", 0)).toBe(true);
    expect(buckets.allow("a", 0)).toBe(false);
    expect(buckets.allow("b", 0)).toBe(true);
    buckets.delete("a");
    expect(buckets.allow("a", 0)).toBe(true);
  });

  it("forgets keys whose bucket has refilled, and only those", () => {
    const buckets = new Buckets(ruleFor(1, 1000));
    for (let i = 0; i < 63; i++) buckets.allow(`old-${i}`, 0);
    expect(buckets.size).toBe(63);
    // The 64th key triggers a sweep: the 63 old buckets refilled a second ago, the new one did not.
    expect(buckets.allow("new", 1_000)).toBe(true);
    expect(buckets.size).toBe(1);
    expect(buckets.allow("new", 1_000)).toBe(false);
  });
});
