// Addresses the AUTH_FAIL_IP_LIMITER binding has refused lately, as this isolate saw it.
//
// The binding can only count: `limit()` always charges a unit, so it cannot be asked "is this
// address over its limit?" without charging every valid request too. So the binding is charged
// only on failures, as before, and an address it refuses is remembered here until the binding's
// window has passed; meanwhile every request from it is refused before any token or key work. An
// isolate that has not yet seen the address fail pays one verification before it learns, which
// bounds an over-limit address to one full check per isolate per window.

/** Remembered addresses, newest last; past `capacity`, the oldest is forgotten first. */
export class FailingIps {
  private readonly until = new Map<string, number>();
  private readonly capacity: number;
  private readonly blockMs: number;

  constructor(capacity: number, blockMs: number) {
    this.capacity = capacity;
    this.blockMs = blockMs;
  }

  block(ip: string, now: number): void {
    this.until.delete(ip);
    this.until.set(ip, now + this.blockMs);
    if (this.until.size <= this.capacity) return;
    const oldest = this.until.keys().next();
    if (!oldest.done) this.until.delete(oldest.value);
  }

  /** Seconds until `ip` may try again, or 0 when it is not blocked. */
  retryAfter(ip: string, now: number): number {
    const until = this.until.get(ip);
    if (until === undefined) return 0;
    if (until > now) return Math.ceil((until - now) / 1000);
    this.until.delete(ip);
    return 0;
  }
}
