// A token bucket as pure math: the caller owns the state and the clock.
export type Bucket = { tokens: number; updatedAt: number };

export type BucketRule = { capacity: number; refillPerMs: number };

export function fullBucket(rule: BucketRule, now: number): Bucket {
  return { tokens: rule.capacity, updatedAt: now };
}

/** Refills for the time elapsed, then takes one token if there is one. */
export function take(bucket: Bucket, rule: BucketRule, now: number): { allowed: boolean; bucket: Bucket } {
  const elapsed = Math.max(0, now - bucket.updatedAt);
  const tokens = Math.min(rule.capacity, bucket.tokens + elapsed * rule.refillPerMs);
  if (tokens < 1) return { allowed: false, bucket: { tokens, updatedAt: now } };
  return { allowed: true, bucket: { tokens: tokens - 1, updatedAt: now } };
}

/** `capacity` tokens that refill completely over `windowMs`. */
export function ruleFor(capacity: number, windowMs: number): BucketRule {
  return { capacity, refillPerMs: capacity / windowMs };
}

/** One bucket per key under a shared rule, e.g. per connection inside a room. */
export class Buckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly rule: BucketRule;

  constructor(rule: BucketRule) {
    this.rule = rule;
  }

  allow(key: string, now: number): boolean {
    const result = take(this.buckets.get(key) ?? fullBucket(this.rule, now), this.rule, now);
    this.buckets.set(key, result.bucket);
    return result.allowed;
  }

  delete(key: string): void {
    this.buckets.delete(key);
  }
}
