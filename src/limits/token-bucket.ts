// A token bucket as pure math: the caller owns the state and the clock.
export type Bucket = { tokens: number; updatedAt: number };

export type BucketRule = { capacity: number; refillPerMs: number };

export function fullBucket(rule: BucketRule, now: number): Bucket {
  return { tokens: rule.capacity, updatedAt: now };
}

/**
 * Refills for the time elapsed, then takes one token if there is one; when there is none,
 * `waitMs` says how long until there is.
 */
export function take(
  bucket: Bucket,
  rule: BucketRule,
  now: number,
): { allowed: boolean; bucket: Bucket; waitMs: number } {
  const elapsed = Math.max(0, now - bucket.updatedAt);
  const tokens = Math.min(rule.capacity, bucket.tokens + elapsed * rule.refillPerMs);
  if (tokens < 1)
    return { allowed: false, bucket: { tokens, updatedAt: now }, waitMs: (1 - tokens) / rule.refillPerMs };
  return { allowed: true, bucket: { tokens: tokens - 1, updatedAt: now }, waitMs: 0 };
}

/** `capacity` tokens that refill completely over `windowMs`. */
export function ruleFor(capacity: number, windowMs: number): BucketRule {
  return { capacity, refillPerMs: capacity / windowMs };
}

/** Whether a bucket has refilled completely by `now`: it is then the same as a new one. */
function isFull(bucket: Bucket, rule: BucketRule, now: number): boolean {
  return bucket.tokens + Math.max(0, now - bucket.updatedAt) * rule.refillPerMs >= rule.capacity;
}

/**
 * One bucket per key under a shared rule, e.g. per connection inside a room. Keys nobody deletes
 * (users, across their reconnects) are forgotten once their bucket has refilled, so the map holds
 * only keys that spent tokens within the last window.
 */
export class Buckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly rule: BucketRule;
  /** The map is swept when it doubles from its size after the last sweep: amortized O(1) per take. */
  private sweepAt = 64;

  constructor(rule: BucketRule) {
    this.rule = rule;
  }

  get size(): number {
    return this.buckets.size;
  }

  allow(key: string, now: number): boolean {
    return this.wait(key, now) === 0;
  }

  /** Takes a token for `key`: 0 when it had one, else the milliseconds until it will. */
  wait(key: string, now: number): number {
    const result = take(this.buckets.get(key) ?? fullBucket(this.rule, now), this.rule, now);
    this.buckets.set(key, result.bucket);
    if (this.buckets.size >= this.sweepAt) this.sweep(now);
    return result.waitMs;
  }

  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) if (isFull(bucket, this.rule, now)) this.buckets.delete(key);
    this.sweepAt = Math.max(64, this.buckets.size * 2);
  }

  delete(key: string): void {
    this.buckets.delete(key);
  }
}
