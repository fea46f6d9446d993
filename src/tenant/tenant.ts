// One Durable Object per tenant: the tenant's token revocations and the room objects that hold
// sockets, so a revocation reaches every live connection within one round of RPCs. Rooms depend on
// the tenant (they register here and check tokens), never the other way: the tenant reaches the
// objects it registered by name, through the namespace.
import { DurableObject } from "cloudflare:workers";
import type { CreateTenant, Outcome, TenantRecord, UpdateTenant } from "../control/protocol.ts";
import { controlOf, type NewKeyRow, type NewSigningEntry, type TenantControl } from "../control/tenant-control.ts";
import type { TenantTerms } from "../control/terms.ts";
import type { Env } from "../env.ts";
import { type NewerFormatError, newerFormat } from "../format-version.ts";
import { log } from "../log.ts";
import type { Revocation } from "../protocol.ts";
import { sleep, withRetries } from "../retry.ts";
import { PURGE_DELAY_MS, PURGE_RETRY_MS, type Purge, purgeBatch } from "./purge.ts";
import {
  allRevocations,
  nextRevocationSeq,
  numberRevocations,
  type RevocationPage,
  revocationsSince,
} from "./revocation-pages.ts";
import { receivedTokenRef, type SentTokenRef, type TokenRef } from "./revocations.ts";

type RegistrationRow = { object: string; lease_until: number };

/**
 * The answer to a room that asks to admit a token: its revocations, unless this token is one, and
 * the tenant's terms (status, limits; absent from a tenant object older than them).
 */
export type Registration = {
  revoked: boolean;
  revocations: Revocation[];
  terms?: TenantTerms;
  /** Absent when the room sent no version (an older room): then `revocations` is the whole list. */
  version?: number;
  /** More revocations newer than `version`: the room asks `revocationsSince(version)`. */
  more?: boolean;
};

/** What an object answers a pushed revocation: sockets it closed, and sockets (or connects) it still holds. */
export type PushResult = { closed: number; open: number };

/** How long a registration's answer is trusted; the tenant waits this long for a room it cannot reach. */
export const REVOCATION_LEASE_MS = 5_000;

/** Waits before the second and third push; a busy object usually answers the retry. */
const PUSH_RETRY_DELAYS_MS = [50, 250] as const;

/**
 * The format of the tenant's tables (registrations, revocations), kept as `meta` row `version`;
 * tables written before formats were numbered have no such row: 1.
 */
export const TENANT_FORMAT = 1;

/**
 * Active revocations a tenant may hold. Each is kept until every token it can match has expired
 * (`MAX_TOKEN_LIFETIME_SECONDS`); past the cap a new one is refused with `409 too_many_revocations`.
 */
export const MAX_ACTIVE_REVOCATIONS = 10_000;

/** A registration no admission has renewed for this long is checked for sockets by the alarm. */
const SWEEP_AFTER_MS = 3_600_000;

const nowSeconds = () => Math.floor(Date.now() / 1000);

export class Tenant extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** Set when a newer gateway version wrote the tables: then every call is refused and nothing is touched. */
  private readonly newer: NewerFormatError | undefined;
  /** The operator API's records of this tenant (status, limits, keys): see src/control/. */
  private readonly control: TenantControl;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.control = controlOf(ctx.storage.sql, env);
    this.sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
    const version = this.sql.exec<{ value: number }>("SELECT value FROM meta WHERE key = 'version'").toArray()[0];
    this.newer = newerFormat("the tenant's tables", version?.value, TENANT_FORMAT);
    if (this.newer !== undefined) return;
    // `rooms` held bare room names and no lease: after a deploy every socket reconnects and
    // registers again, so the old table is simply dropped.
    this.sql.exec(`DROP TABLE IF EXISTS rooms;
      CREATE TABLE IF NOT EXISTS registrations (object TEXT PRIMARY KEY, lease_until INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS revocations (kind TEXT NOT NULL, value TEXT NOT NULL, before INTEGER,
        keep_until INTEGER NOT NULL, PRIMARY KEY (kind, value));
      INSERT OR IGNORE INTO meta (key, value) VALUES ('version', ${TENANT_FORMAT})`);
    // A column an older version ignores (its rows come unnumbered): the format stays 1.
    numberRevocations(this.sql);
  }

  /**
   * A room object about to admit `token`. A revoked token registers nothing; otherwise the room is
   * registered for pushes and trusts what it holds, plus the revocations newer than `since` (its
   * version: 0 for none) returned here, for REVOCATION_LEASE_MS. A room that sends no version (an
   * older one) gets the whole list.
   */
  async register(object: string, sent: Partial<SentTokenRef>, since?: number): Promise<Registration> {
    const terms = this.ctl().terms();
    if (this.covers(receivedTokenRef(sent))) return { revoked: true, revocations: [], terms };
    const listed = since === undefined ? { revocations: allRevocations(this.open(), nowSeconds()) } : this.page(since);
    this.open().exec(
      `INSERT INTO registrations (object, lease_until) VALUES (?, ?)
       ON CONFLICT(object) DO UPDATE SET lease_until = excluded.lease_until`,
      object,
      Date.now() + REVOCATION_LEASE_MS,
    );
    await this.scheduleAlarm(Date.now() + SWEEP_AFTER_MS);
    return { revoked: false, ...listed, terms };
  }

  /** The next page of a registration's answer (`more`); the registration's lease covers it. */
  async revocationsSince(since: number): Promise<RevocationPage> {
    return this.page(since);
  }

  /** A room object whose last socket left. */
  async unregister(object: string): Promise<void> {
    this.open().exec("DELETE FROM registrations WHERE object = ?", object);
  }

  /** Read-only: expired revocations are ignored here and deleted by writes and the alarm. */
  async isRevoked(sent: Partial<SentTokenRef>): Promise<boolean> {
    return this.covers(receivedTokenRef(sent));
  }

  /**
   * Records a revocation and has every registered room close the sockets it matches. Answers only
   * once no room can admit the token: each room confirmed, or its lease (the time it may decide
   * from an older list) has run out. Null when the tenant already holds MAX_ACTIVE_REVOCATIONS and
   * this one is not among them: nothing is recorded.
   */
  async revoke(r: Revocation): Promise<number | null> {
    const value = r.kind === "jti" ? r.jti : r.sub;
    const before = r.kind === "sub" ? r.before : null;
    this.pruneRevocations();
    if (this.atCap(r.kind, value)) return null;
    this.open().exec(
      `INSERT INTO revocations (kind, value, before, keep_until, seq) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(kind, value) DO UPDATE SET before = max(coalesce(before, 0), coalesce(excluded.before, 0)),
       keep_until = max(keep_until, excluded.keep_until), seq = excluded.seq`,
      r.kind,
      value,
      before,
      r.keepUntil,
      nextRevocationSeq(this.open(), Date.now()),
    );
    await this.scheduleAlarm(r.keepUntil * 1000);
    return this.pushToHolders((stub) => stub.revoke(r), "revocation_push_failed");
  }

  /**
   * Has every registered object apply `push` (a revocation, new terms) and answers how many sockets
   * they closed, once no object can still decide from what it knew before: each confirmed, or its
   * lease (the time it may decide from an older answer) has run out.
   */
  private async pushToHolders(push: (stub: HolderStub) => Promise<PushResult>, failure: string): Promise<number> {
    const registrations = this.open().exec<RegistrationRow>("SELECT object, lease_until FROM registrations").toArray();
    const outcomes = await Promise.all(
      registrations.map((reg) =>
        withRetries<PushResult>(() => push(holderStub(this.env, reg.object)), PUSH_RETRY_DELAYS_MS, sleep),
      ),
    );
    let closed = 0;
    let unconfirmedUntil = 0;
    outcomes.forEach((outcome, i) => {
      const reg = registrations[i] as RegistrationRow;
      if (outcome.ok) {
        closed += outcome.value.closed;
        if (outcome.value.open === 0) this.forget(reg);
        return;
      }
      log(failure, { object: reg.object, error: String(outcome.error) });
      unconfirmedUntil = Math.max(unconfirmedUntil, reg.lease_until);
    });
    // An object that never answered decides from its cached answer until its lease ends; after that
    // it must register again and learns what was pushed.
    if (unconfirmedUntil > Date.now()) await sleep(unconfirmedUntil - Date.now());
    return closed;
  }

  /**
   * Purges a deleted tenant's rooms, deletes expired revocations and registrations of rooms that
   * hold no sockets; an empty tenant stores nothing.
   */
  override async alarm(): Promise<void> {
    const purge = await this.purgeRooms();
    const purgeAgainAt = { done: undefined, more: PURGE_DELAY_MS, failed: PURGE_RETRY_MS }[purge];
    this.pruneRevocations();
    const stale = this.open()
      .exec<RegistrationRow>(
        "SELECT object, lease_until FROM registrations WHERE lease_until < ?",
        Date.now() - SWEEP_AFTER_MS,
      )
      .toArray();
    for (const reg of stale) {
      const holds = await withRetries(() => holderStub(this.env, reg.object).holdsSockets(), [], sleep);
      if (holds.ok && !holds.value) this.forget(reg);
    }
    const due = this.open()
      .exec<{ at: number | null }>(
        "SELECT min(at) AS at FROM (SELECT min(keep_until) * 1000 AS at FROM revocations UNION ALL SELECT min(lease_until) + ? FROM registrations)",
        SWEEP_AFTER_MS,
      )
      .one().at;
    const next = Math.min(due ?? Number.POSITIVE_INFINITY, Date.now() + (purgeAgainAt ?? Number.POSITIVE_INFINITY));
    if (next === Number.POSITIVE_INFINITY && !this.control.hasRecords()) await this.ctx.storage.deleteAll();
    else if (next === Number.POSITIVE_INFINITY) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(Math.max(next, Date.now() + 1_000));
  }

  // ---- Control plane (src/control/tenant-control.ts): the hot path's two reads, then the operator API ----
  controlSnapshot(unknownKid: boolean) {
    return this.ctl().snapshot(unknownKid);
  }
  controlUseKey(id: string, hash: string) {
    return this.ctl().useKey(id, hash);
  }
  /** A deleted tenant's id starts over only once its rooms' data is gone: no incarnation reads another's. */
  async controlCreateTenant(input: CreateTenant): Promise<Outcome<TenantRecord>> {
    let purge: Purge;
    do purge = await this.purgeRooms();
    while (purge === "more");
    if (purge === "failed")
      return {
        ok: false,
        code: "conflict",
        message: "the deleted tenant's data is still being deleted; try again later",
      };
    return this.ctl().createTenant(input);
  }
  controlGetTenant() {
    return this.ctl().getTenant();
  }
  /** A change of status or limits reaches the objects holding the tenant's sockets before the answer. */
  async controlUpdateTenant(patch: UpdateTenant) {
    const outcome = this.ctl().updateTenant(patch);
    if (outcome.ok && (patch.status !== undefined || patch.limits !== undefined)) await this.pushTerms();
    return outcome;
  }
  /** Its sockets close before the answer; its rooms' data goes by the alarm, PURGE_DELAY_MS later. */
  async controlDeleteTenant() {
    const outcome = this.ctl().deleteTenant();
    if (!outcome.ok) return outcome;
    await this.pushTerms();
    await this.scheduleAlarm(Date.now() + PURGE_DELAY_MS);
    return outcome;
  }
  controlCreateKey(row: NewKeyRow) {
    return this.ctl().createKey(row);
  }
  controlListKeys(after: string, limit: number) {
    return this.ctl().listKeys(after, limit);
  }
  controlRevokeKey(id: string) {
    return this.ctl().revokeKey(id);
  }
  controlAddSigning(entry: NewSigningEntry) {
    return this.ctl().addSigning(entry);
  }
  controlListSigning() {
    return this.ctl().listSigning();
  }
  controlRemoveSigning(id: string) {
    return this.ctl().removeSigning(id);
  }
  controlReserveConnections(object: string, holding: number, want: number) {
    return this.ctl().reserveConnections(object, holding, want);
  }
  controlSettleConnections(object: string, keep: number) {
    this.ctl().rooms.settle(object, keep);
  }
  /**
   * A room now stores data: it answers with the tenant's terms (the room keeps history for its
   * historyMaxAgeSeconds). A room of a deleted tenant that records (a publish let in by a cache in
   * its last seconds) is purged too.
   */
  async controlNoteStoredRoom(object: string): Promise<TenantTerms> {
    this.ctl().rooms.noteStoredRoom(object);
    if (this.ctl().isDeleted()) await this.scheduleAlarm(Date.now() + PURGE_DELAY_MS);
    return this.ctl().terms();
  }
  controlForgetStoredRoom(object: string) {
    this.ctl().rooms.forgetStoredRoom(object);
  }
  controlStoredRooms(limit: number) {
    return this.ctl().rooms.storedRooms(limit);
  }
  // ---- end of the control plane ----

  /** A deleted tenant's rooms, a batch at a time (purge.ts). */
  private purgeRooms(): Promise<Purge> {
    const control = this.ctl();
    if (!control.isDeleted()) return Promise.resolve("done");
    return purgeBatch(control.rooms, (object) => holderStub(this.env, object).purgeTenantData());
  }

  /** The tenant's terms to every object holding its sockets: a suspension closes them with 4004. */
  private pushTerms(): Promise<number> {
    const terms = this.ctl().terms();
    return this.pushToHolders((stub) => stub.tenantTerms(terms), "terms_push_failed");
  }

  /** Drops a registration unless the room registered again meanwhile (its lease would differ). */
  private forget(reg: RegistrationRow): void {
    this.open().exec("DELETE FROM registrations WHERE object = ? AND lease_until = ?", reg.object, reg.lease_until);
  }

  private pruneRevocations(): void {
    this.open().exec("DELETE FROM revocations WHERE keep_until <= ?", nowSeconds());
  }

  /** Keeps the alarm at the earliest time anything needs it. */
  private async scheduleAlarm(atMs: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || atMs < current) await this.ctx.storage.setAlarm(atMs);
  }

  /** The control plane's records, unless a newer gateway version wrote the tenant's tables. */
  private ctl(): TenantControl {
    this.open();
    return this.control;
  }

  /** The tenant's tables, unless a newer gateway version wrote them. */
  private open(): SqlStorage {
    if (this.newer !== undefined) throw this.newer;
    return this.sql;
  }

  /**
   * Whether a revocation covers the token: two lookups by the table's key (its jti, its sub), so the
   * cost does not grow with the list.
   */
  private covers(t: TokenRef): boolean {
    return (
      this.open()
        .exec(
          `SELECT 1 FROM revocations WHERE keep_until > ?1 AND ((kind = 'jti' AND value = ?2)
             OR (kind = 'sub' AND value = ?3 AND coalesce(before, 0) >= ?4)) LIMIT 1`,
          nowSeconds(),
          t.jti ?? null,
          t.id,
          t.iat ?? 0,
        )
        .toArray().length > 0
    );
  }

  /** Whether a new revocation would pass the cap: one already listed (renewed) never does. */
  private atCap(kind: string, value: string): boolean {
    const sql = this.open();
    if (sql.exec("SELECT 1 FROM revocations WHERE kind = ? AND value = ?", kind, value).toArray().length > 0)
      return false;
    return sql.exec<{ n: number }>("SELECT count(*) AS n FROM revocations").one().n >= MAX_ACTIVE_REVOCATIONS;
  }

  private page(since: number): RevocationPage {
    return revocationsSince(this.open(), since, Date.now());
  }
}

/** An object registered as holding sockets, by the name it registered with (a room's or a shard's). */
const holderStub = (env: Env, object: string) => env.ROOMS.get(env.ROOMS.idFromName(object));
type HolderStub = ReturnType<typeof holderStub>;

export function tenantStub(env: Env, tenant: string) {
  return env.TENANTS.get(env.TENANTS.idFromName(tenant));
}
