// A socket host's side of revocations: it decides from a cached list while the list's lease holds,
// registers with the tenant (which answers for the token and refreshes the list) when it does not,
// and unregisters when its last socket has left. The cache keeps the list its last registration
// returned, plus every push since: a push that lands while a registration is in flight is kept, so
// the answer of an older read can never erase it. Every list a registration brings is handed to
// the host, which closes the open sockets it covers: if every push to this object failed, the next
// registration still ends those sessions (before, they lasted until their tokens expired). The
// tenant's terms (status, limits) come the same two ways, the later change winning
// (src/control/terms.ts).
import { DEFAULT_TERMS, newerTerms, type TenantTerms } from "../../control/terms.ts";
import type { Env } from "../../env.ts";
import { log } from "../../log.ts";
import type { Member, Revocation } from "../../protocol.ts";
import { isRevoked, type TokenRef, tokenRefOf } from "../../tenant/revocations.ts";
import { REVOCATION_LEASE_MS, type Registration, tenantStub } from "../../tenant/tenant.ts";
import { hostObjectName, type ShardRef } from "../sharding/placement.ts";

/** The room stops trusting a little before the tenant's record of the lease ends: machines' clocks differ. */
const LEASE_MARGIN_MS = 1_000;

class RevocationCache {
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

/** The room a socket is in. */
type Where = Pick<Member, "tenant" | "room">;

export class RevocationGate {
  private readonly cache = new RevocationCache();
  /** One stub for the object's life: calls through one stub arrive in order (unregister, then register). */
  private tenant: ReturnType<typeof tenantStub> | undefined;
  private readonly env: Env;
  /** The tenant's terms as last answered or pushed; a tenant without a record has the defaults. */
  private held: TenantTerms = DEFAULT_TERMS;
  private readonly listed: (list: readonly Revocation[]) => void;

  constructor(env: Env, listed: (list: readonly Revocation[]) => void) {
    this.env = env;
    this.listed = listed;
  }

  get terms(): TenantTerms {
    return this.held;
  }

  /** Terms pushed by the tenant (an operator changed its status or limits). */
  pushedTerms(terms: TenantTerms): void {
    this.held = newerTerms(this.held, terms);
  }

  /**
   * Whether `token` is revoked, for a socket of `where` held here (the room's object, or `shard`'s):
   * the name the tenant pushes revocations to.
   */
  async isRevoked(where: Where, shard: ShardRef | undefined, token: TokenRef): Promise<boolean> {
    const { tenant } = where;
    const object = hostObjectName(tenant, where.room, shard);
    const sentAt = Date.now();
    if (!this.cache.fresh(sentAt)) {
      let answer: Registration;
      try {
        answer = await this.stub(tenant).register(object, tokenRefOf(token));
      } catch (err) {
        // A stub that saw a network error stays broken: the next call makes a new one.
        this.tenant = undefined;
        throw err;
      }
      this.held = newerTerms(this.held, answer.terms);
      if (answer.revoked) return true;
      this.cache.settle(answer.revocations, sentAt);
      this.listed(answer.revocations);
    }
    return this.cache.isRevoked(token, Math.floor(Date.now() / 1000));
  }

  /** A revocation pushed by the tenant. */
  pushed(r: Revocation): void {
    this.cache.add(r, Date.now());
  }

  /** Nothing is held any more: the tenant forgets this object, so the next connect must register again. */
  released(): void {
    this.cache.expire();
  }

  /** The last socket left: the tenant stops pushing here. */
  unregister(where: Where, shard: ShardRef | undefined): Promise<void> {
    this.released();
    const object = hostObjectName(where.tenant, where.room, shard);
    return this.stub(where.tenant)
      .unregister(object)
      .catch((err: unknown) => {
        // The tenant's next push or sweep finds the object empty and forgets it then.
        log("unregister_failed", { object, error: String(err) });
        this.tenant = undefined;
      });
  }

  private stub(tenant: string): ReturnType<typeof tenantStub> {
    this.tenant ??= tenantStub(this.env, tenant);
    return this.tenant;
  }
}
