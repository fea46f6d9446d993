// Tokens this isolate has verified, so a repeat (a client's HTTP publishes, a reconnect with the
// same token) skips the signature and claim checks. Keyed by the token's SHA-256: the token itself
// is never kept. Bounded, least recently used first out, and used only from the moment it was
// verified until the token's `exp`. Revocation is not decided here: callers check it on every use.
import type { UserPrincipal } from "./principal.ts";

/**
 * `since`: when it was verified (epoch seconds); a clock read earlier than that is not vouched for (nbf).
 * `via`: the thumbprint of the tenant's registered signing key that verified it, which the caller
 * checks is still registered; absent for the configured keys (JWT_SECRET, JWT_JWKS).
 */
export type Verified = { principal: UserPrincipal; since: number; via?: string | undefined };

export class VerifiedTokens {
  private readonly entries = new Map<string, Verified>();
  private readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The principal a token with this digest verified as, from its verification until its `exp` (epoch seconds). */
  get(digest: string, nowSeconds: number): UserPrincipal | undefined {
    return this.lookup(digest, nowSeconds)?.principal;
  }

  /** `get`, with the key that verified the token. */
  lookup(digest: string, nowSeconds: number): Verified | undefined {
    const entry = this.entries.get(digest);
    if (entry === undefined) return undefined;
    this.entries.delete(digest);
    if (nowSeconds >= entry.principal.exp) return undefined;
    // Re-inserted: a Map iterates in insertion order, so the first key is the least recently used.
    this.entries.set(digest, entry);
    return nowSeconds >= entry.since ? entry : undefined;
  }

  /** Remembers a token verified at `now`; one already at its `exp` (accepted within the clock tolerance) is not kept. */
  set(digest: string, principal: UserPrincipal, nowSeconds: number, via?: string): void {
    if (nowSeconds >= principal.exp) return;
    this.entries.delete(digest);
    this.entries.set(digest, { principal, since: nowSeconds, via });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value ?? "");
  }
}
