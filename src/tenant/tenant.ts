// One Durable Object per tenant: the tenant's token revocations (revocation-table.ts) and the
// objects that hold its sockets (holders.ts), so a revocation or a change of the tenant's terms
// reaches every live connection within one round of RPCs; the control plane's records of the
// tenant (src/control/tenant-control.ts); and the purge of a deleted tenant's rooms (purge.ts).
// This class only dispatches the calls and runs the one alarm.
import { DurableObject } from "cloudflare:workers";
import { controlOf, type NewKeyRow, type NewSigningEntry, type TenantControl } from "../control/tenant-control.ts";
import type { TenantTerms } from "../control/terms.ts";
import type { Env } from "../env.ts";
import type { NewerFormatError } from "../format-version.ts";
import type { CreateTenant, Outcome, Revocation, TenantRecord, UpdateTenant } from "../protocol.ts";
import { Holders, type Registration, SWEEP_AFTER_MS } from "./holders.ts";
import { PURGE_DELAY_MS, PURGE_RETRY_MS, purgeBeforeCreate, purgeDeletedRooms } from "./purge.ts";
import type { RevocationPage } from "./revocation-pages.ts";
import { RevocationTable } from "./revocation-table.ts";
import { receivedTokenRef, type SentTokenRef } from "./revocations.ts";
import { openTenantTables } from "./tables.ts";

const nowSeconds = () => Math.floor(Date.now() / 1000);

export class Tenant extends DurableObject<Env> {
  /** Set when a newer gateway version wrote the tables: then every call is refused and nothing is touched. */
  private readonly newer: NewerFormatError | undefined;
  private readonly revocations: RevocationTable;
  private readonly holders: Holders;
  /** The operator API's records of this tenant (status, limits, keys): see src/control/. */
  private readonly control: TenantControl;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.control = controlOf(ctx.storage.sql, env);
    this.newer = openTenantTables(ctx.storage.sql);
    const sql = () => {
      if (this.newer !== undefined) throw this.newer;
      return ctx.storage.sql;
    };
    this.revocations = new RevocationTable(sql);
    this.holders = new Holders(sql, env);
  }

  /**
   * A room object about to admit `token`. A revoked token registers nothing; otherwise the room is
   * registered for pushes and trusts what it holds, plus the revocations newer than `since` (its
   * version: 0 for none) returned here, for REVOCATION_LEASE_MS. A room that sends no version (an
   * older one) gets the whole list.
   */
  async register(object: string, sent: Partial<SentTokenRef>, since?: number): Promise<Registration> {
    const terms = this.ctl().terms();
    if (this.revocations.covers(receivedTokenRef(sent), nowSeconds())) return { revoked: true, revocations: [], terms };
    const listed =
      since === undefined
        ? { revocations: this.revocations.all(nowSeconds()) }
        : this.revocations.page(since, Date.now());
    this.holders.lease(object, Date.now());
    await this.scheduleAlarm(Date.now() + SWEEP_AFTER_MS);
    return { revoked: false, ...listed, terms };
  }

  /** The next page of a registration's answer (`more`); the registration's lease covers it. */
  async revocationsSince(since: number): Promise<RevocationPage> {
    return this.revocations.page(since, Date.now());
  }

  /** A room object whose last socket left. */
  async unregister(object: string): Promise<void> {
    this.holders.remove(object);
  }

  /** Read-only: expired revocations are ignored here and deleted by writes and the alarm. */
  async isRevoked(sent: Partial<SentTokenRef>): Promise<boolean> {
    return this.revocations.covers(receivedTokenRef(sent), nowSeconds());
  }

  /**
   * Records a revocation and has every registered room close the sockets it matches. Answers only
   * once no room can admit the token: each room confirmed, or its lease (the time it may decide
   * from an older list) has run out. Null when the tenant already holds MAX_ACTIVE_REVOCATIONS and
   * this one is not among them: nothing is recorded.
   */
  async revoke(r: Revocation): Promise<number | null> {
    if (!this.revocations.record(r, Date.now())) return null;
    await this.scheduleAlarm(r.keepUntil * 1000);
    return this.holders.push((stub) => stub.revoke(r), "revocation_push_failed");
  }

  /**
   * Purges a deleted tenant's rooms, deletes expired revocations and registrations of rooms that
   * hold no sockets; an empty tenant stores nothing.
   */
  override async alarm(): Promise<void> {
    const purge = await purgeDeletedRooms(this.ctl(), this.env);
    const purgeAgainAt = { done: undefined, more: PURGE_DELAY_MS, failed: PURGE_RETRY_MS }[purge];
    this.revocations.prune(nowSeconds());
    await this.holders.sweep(Date.now());
    const due = [this.revocations.nextExpiry(), this.holders.nextSweep()];
    if (purgeAgainAt !== undefined) due.push(Date.now() + purgeAgainAt);
    const next = Math.min(...due.map((at) => at ?? Number.POSITIVE_INFINITY));
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
  /** A deleted tenant's id starts over only once its rooms' data is gone (purge.ts). */
  async controlCreateTenant(input: CreateTenant): Promise<Outcome<TenantRecord>> {
    return (await purgeBeforeCreate(this.ctl(), this.env)) ?? this.ctl().createTenant(input);
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

  /** The tenant's terms to every object holding its sockets: a suspension closes them with 4004. */
  private pushTerms(): Promise<number> {
    const terms = this.ctl().terms();
    return this.holders.push((stub) => stub.tenantTerms(terms), "terms_push_failed");
  }

  /** Keeps the alarm at the earliest time anything needs it. */
  private async scheduleAlarm(atMs: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || atMs < current) await this.ctx.storage.setAlarm(atMs);
  }

  /** The control plane's records, unless a newer gateway version wrote the tenant's tables. */
  private ctl(): TenantControl {
    if (this.newer !== undefined) throw this.newer;
    return this.control;
  }
}

export function tenantStub(env: Env, tenant: string) {
  return env.TENANTS.get(env.TENANTS.idFromName(tenant));
}
