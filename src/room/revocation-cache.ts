// The tenant's revocations as a room knows them: the list its last registration returned, plus
// every push since, trusted for a lease. A push that lands while a registration is in flight is
// kept, so the answer of an older read can never erase it.
import type { Revocation } from "../protocol.ts";
import { isRevoked, type TokenRef } from "../tenant/revocations.ts";

/** How long a registration's answer is trusted; the tenant waits this long for a room it cannot reach. */
export const REVOCATION_LEASE_MS = 5_000;
/** The room stops trusting a little before the tenant's record of the lease ends: machines' clocks differ. */
const LEASE_MARGIN_MS = 1_000;

export class RevocationCache {
  private fetched: readonly Revocation[] = [];
  private pushed: { r: Revocation; at: number }[] = [];
  private leaseUntil = 0;

  /** Whether admissions may decide from this cache without asking the tenant. */
  fresh(now: number): boolean {
    return now < this.leaseUntil;
  }

  /** A revocation pushed by the tenant, kept whether or not a registration is in flight. */
  add(r: Revocation, now: number): void {
    this.pushed.push({ r, at: now });
  }

  /**
   * The tenant's list from a registration sent at `sentAt`. The tenant stores a revocation before
   * pushing it, so pushes received before `sentAt` are in the list; later ones may not be.
   */
  settle(list: readonly Revocation[], sentAt: number): void {
    this.fetched = list;
    this.pushed = this.pushed.filter((p) => p.at >= sentAt);
    this.leaseUntil = Math.max(this.leaseUntil, sentAt + REVOCATION_LEASE_MS - LEASE_MARGIN_MS);
  }

  /** The room stopped holding sockets (or the tenant forgot it): the next admission registers again. */
  expire(): void {
    this.leaseUntil = 0;
  }

  isRevoked(t: TokenRef, nowSeconds: number): boolean {
    return isRevoked(this.fetched, t, nowSeconds) || this.pushed.some((p) => isRevoked([p.r], t, nowSeconds));
  }
}
