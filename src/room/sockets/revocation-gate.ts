// A socket host's side of revocations: it decides from a cached list while the list's lease holds,
// registers with the tenant (which answers for the token and refreshes the list) when it does not,
// and unregisters when its last socket has left. The cache keeps every revocation its registrations
// returned, plus every push since: a push that lands while a registration is in flight is kept, so
// the answer of an older read can never erase it. A registration sends the version the cache holds
// and gets only the revocations written after it (src/tenant/revocation-pages.ts), page by page, so
// registering again every lease costs what changed, not the whole list. Every revocation a
// registration brings is handed to the host, which closes the open sockets it covers: if every push
// to this object failed, the next registration still ends those sessions (the room's version
// predates them, so they come in the answer). The tenant's terms (status, limits) come the same two
// ways, the later change winning (src/control/terms.ts).
import { DEFAULT_TERMS, newerTerms, type TenantTerms } from "../../control/terms.ts";
import type { Env } from "../../env.ts";
import { log } from "../../log.ts";
import type { Member, Revocation } from "../../protocol.ts";
import { REVOCATION_LEASE_MS, type Registration } from "../../tenant/holders.ts";
import { isRevoked, type TokenRef, tokenRefOf } from "../../tenant/revocations.ts";
import { tenantStub } from "../../tenant/tenant.ts";
import { hostObjectName, type ShardRef } from "../sharding/placement.ts";

/** The room stops trusting a little before the tenant's record of the lease ends: machines' clocks differ. */
const LEASE_MARGIN_MS = 1_000;

/** One entry per revoked jti or sub, as the tenant's table keys them. */
const keyOf = (r: Revocation) => (r.kind === "jti" ? `jti:${r.jti}` : `sub:${r.sub}`);

class RevocationCache {
  private held = new Map<string, Revocation>();
  /** The tenant's write number up to which `held` is complete: sent with the next registration. */
  private heldVersion = 0;
  private pushed: { r: Revocation; at: number }[] = [];
  private leaseUntil = 0;

  get version(): number {
    return this.heldVersion;
  }

  /** Whether admissions may decide from this cache without asking the tenant. */
  fresh(now: number): boolean {
    return now < this.leaseUntil;
  }

  /** A revocation pushed by the tenant, kept whether or not a registration is in flight. */
  add(r: Revocation, now: number): void {
    this.pushed.push({ r, at: now });
  }

  /**
   * Revocations from the tenant: those written after `version`'s predecessor, or, from a tenant
   * older than versions (`version` undefined), the whole list.
   */
  merge(list: readonly Revocation[], version: number | undefined): void {
    if (version === undefined) this.held.clear();
    for (const r of list) this.held.set(keyOf(r), r);
    this.heldVersion = version === undefined ? 0 : Math.max(this.heldVersion, version);
  }

  /**
   * A registration sent at `sentAt` is complete. The tenant stores a revocation before pushing it,
   * so pushes received before `sentAt` are merged; later ones may not be.
   */
  settle(sentAt: number, nowSeconds: number): void {
    for (const [key, r] of this.held) if (r.keepUntil <= nowSeconds) this.held.delete(key);
    this.pushed = this.pushed.filter((p) => p.at >= sentAt);
    this.leaseUntil = Math.max(this.leaseUntil, sentAt + REVOCATION_LEASE_MS - LEASE_MARGIN_MS);
  }

  /** The room stopped holding sockets (or the tenant forgot it): the next admission registers again. */
  expire(): void {
    this.leaseUntil = 0;
  }

  /** Two lookups (the token's jti, its sub), then the pushes since the last registration. */
  isRevoked(t: TokenRef, nowSeconds: number): boolean {
    const candidates = [this.held.get(`jti:${t.jti}`), this.held.get(`sub:${t.id}`)].filter((r) => r !== undefined);
    return isRevoked(candidates, t, nowSeconds) || this.pushed.some((p) => isRevoked([p.r], t, nowSeconds));
  }
}

const ignore = () => {};

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
  /** The registration on its way, settled (never rejected) when it ends either way. */
  private registering: Promise<void> | undefined;

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
    // Connects arriving while a registration is on its way wait for it: after a blip every socket
    // of the room reconnects at once, and one registration answers them all. If it fails, the next
    // one to resume registers.
    while (this.registering !== undefined) await this.registering;
    if (!this.cache.fresh(Date.now())) {
      const own = this.register(where, shard, token);
      const done: Promise<void> = own.then(ignore, ignore).finally(() => {
        if (this.registering === done) this.registering = undefined;
      });
      this.registering = done;
      if (await own) return true;
    }
    return this.cache.isRevoked(token, Math.floor(Date.now() / 1000));
  }

  /** Registers with the tenant and takes its list; true when the tenant found `token` itself revoked. */
  private async register(where: Where, shard: ShardRef | undefined, token: TokenRef): Promise<boolean> {
    const { tenant } = where;
    const object = hostObjectName(tenant, where.room, shard);
    const sentAt = Date.now();
    const answer = await this.call(tenant, (stub) => stub.register(object, tokenRefOf(token), this.cache.version));
    this.held = newerTerms(this.held, answer.terms);
    if (answer.revoked) return true;
    await this.take(tenant, answer);
    this.cache.settle(sentAt, Math.floor(Date.now() / 1000));
    return false;
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

  /** Merges a registration's answer and the pages after it, each handed to the host as it comes. */
  private async take(tenant: string, answer: Registration): Promise<void> {
    let page: Omit<Registration, "revoked"> = answer;
    for (;;) {
      this.cache.merge(page.revocations, page.version);
      this.listed(page.revocations);
      if (page.more !== true || page.version === undefined) return;
      const since = page.version;
      page = await this.call(tenant, (stub) => stub.revocationsSince(since));
    }
  }

  private async call<T>(tenant: string, rpc: (stub: ReturnType<typeof tenantStub>) => Promise<T>): Promise<T> {
    try {
      return await rpc(this.stub(tenant));
    } catch (err) {
      // A stub that saw a network error stays broken: the next call makes a new one.
      this.tenant = undefined;
      throw err;
    }
  }

  private stub(tenant: string): ReturnType<typeof tenantStub> {
    this.tenant ??= tenantStub(this.env, tenant);
    return this.tenant;
  }
}
