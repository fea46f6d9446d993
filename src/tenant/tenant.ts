// One Durable Object per tenant: the tenant's token revocations and the room objects that hold
// sockets, so a revocation reaches every live connection within one round of RPCs.
import { DurableObject } from "cloudflare:workers";
import type { CreateTenant, UpdateTenant } from "../control/protocol.ts";
import { controlOf, type NewKeyRow, type NewSigningEntry, type TenantControl } from "../control/tenant-control.ts";
import type { Env } from "../env.ts";
import { log } from "../log.ts";
import type { Revocation } from "../protocol.ts";
import { REVOCATION_LEASE_MS } from "../room/revocation-cache.ts";
import { roomStubByName } from "../room/stub.ts";
import { PUSH_RETRY_DELAYS_MS, type PushResult, sleep, withRetries } from "./push.ts";
import { isRevoked, type TokenRef } from "./revocations.ts";

type RevocationRow = { kind: string; value: string; before: number | null; keep_until: number };
type RegistrationRow = { object: string; lease_until: number };

/** The answer to a room that asks to admit a token: its revocations, unless this token is one. */
export type Registration = { revoked: boolean; revocations: Revocation[] };

/** A registration no admission has renewed for this long is checked for sockets by the alarm. */
const SWEEP_AFTER_MS = 3_600_000;

const nowSeconds = () => Math.floor(Date.now() / 1000);

export class Tenant extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** The operator API's records of this tenant (status, limits, keys): see src/control/. */
  private readonly control: TenantControl;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.control = controlOf(ctx.storage.sql, env);
    // `rooms` held bare room names and no lease: after a deploy every socket reconnects and
    // registers again, so the old table is simply dropped.
    this.sql.exec(`DROP TABLE IF EXISTS rooms;
      CREATE TABLE IF NOT EXISTS registrations (object TEXT PRIMARY KEY, lease_until INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS revocations (kind TEXT NOT NULL, value TEXT NOT NULL, before INTEGER,
        keep_until INTEGER NOT NULL, PRIMARY KEY (kind, value))`);
  }

  /**
   * A room object about to admit `token`. A revoked token registers nothing; otherwise the room is
   * registered for pushes and trusts the returned list for REVOCATION_LEASE_MS.
   */
  async register(object: string, token: TokenRef): Promise<Registration> {
    const revocations = this.active();
    if (isRevoked(revocations, token, nowSeconds())) return { revoked: true, revocations };
    this.sql.exec(
      `INSERT INTO registrations (object, lease_until) VALUES (?, ?)
       ON CONFLICT(object) DO UPDATE SET lease_until = excluded.lease_until`,
      object,
      Date.now() + REVOCATION_LEASE_MS,
    );
    await this.scheduleAlarm(Date.now() + SWEEP_AFTER_MS);
    return { revoked: false, revocations };
  }

  /** A room object whose last socket left. */
  async unregister(object: string): Promise<void> {
    this.sql.exec("DELETE FROM registrations WHERE object = ?", object);
  }

  /** Read-only: expired revocations are ignored here and deleted by writes and the alarm. */
  async isRevoked(token: TokenRef): Promise<boolean> {
    return isRevoked(this.active(), token, nowSeconds());
  }

  /**
   * Records a revocation and has every registered room close the sockets it matches. Answers only
   * once no room can admit the token: each room confirmed, or its lease (the time it may decide
   * from an older list) has run out.
   */
  async revoke(r: Revocation): Promise<number> {
    const value = r.kind === "jti" ? r.jti : r.sub;
    const before = r.kind === "sub" ? r.before : null;
    this.sql.exec(
      `INSERT INTO revocations (kind, value, before, keep_until) VALUES (?, ?, ?, ?)
       ON CONFLICT(kind, value) DO UPDATE SET before = max(coalesce(before, 0), coalesce(excluded.before, 0)),
       keep_until = max(keep_until, excluded.keep_until)`,
      r.kind,
      value,
      before,
      r.keepUntil,
    );
    this.pruneRevocations();
    await this.scheduleAlarm(r.keepUntil * 1000);
    const registrations = this.sql.exec<RegistrationRow>("SELECT object, lease_until FROM registrations").toArray();
    const outcomes = await Promise.all(
      registrations.map((reg) =>
        withRetries<PushResult>(() => roomStubByName(this.env, reg.object).revoke(r), PUSH_RETRY_DELAYS_MS, sleep),
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
      log("revocation_push_failed", { object: reg.object, error: String(outcome.error) });
      unconfirmedUntil = Math.max(unconfirmedUntil, reg.lease_until);
    });
    // A room that never answered decides from its cached list until its lease ends; after that it
    // must register again and gets this revocation.
    if (unconfirmedUntil > Date.now()) await sleep(unconfirmedUntil - Date.now());
    return closed;
  }

  /** Deletes expired revocations and registrations of rooms that hold no sockets; an empty tenant stores nothing. */
  override async alarm(): Promise<void> {
    this.pruneRevocations();
    const stale = this.sql
      .exec<RegistrationRow>(
        "SELECT object, lease_until FROM registrations WHERE lease_until < ?",
        Date.now() - SWEEP_AFTER_MS,
      )
      .toArray();
    for (const reg of stale) {
      const holds = await withRetries(() => roomStubByName(this.env, reg.object).holdsSockets(), [], sleep);
      if (holds.ok && !holds.value) this.forget(reg);
    }
    const next = this.sql
      .exec<{ at: number | null }>(
        "SELECT min(at) AS at FROM (SELECT min(keep_until) * 1000 AS at FROM revocations UNION ALL SELECT min(lease_until) + ? FROM registrations)",
        SWEEP_AFTER_MS,
      )
      .one().at;
    if (next === null && !this.control.hasRecords()) await this.ctx.storage.deleteAll();
    else if (next === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(Math.max(next, Date.now() + 1_000));
  }

  // ---- Control plane (src/control/tenant-control.ts): the hot path's two reads, then the operator API ----
  controlSnapshot(unknownKid: boolean) {
    return this.control.snapshot(unknownKid);
  }
  controlUseKey(id: string, hash: string) {
    return this.control.useKey(id, hash);
  }
  controlCreateTenant(input: CreateTenant) {
    return this.control.createTenant(input);
  }
  controlGetTenant() {
    return this.control.getTenant();
  }
  controlUpdateTenant(patch: UpdateTenant) {
    return this.control.updateTenant(patch);
  }
  controlDeleteTenant() {
    return this.control.deleteTenant();
  }
  controlCreateKey(row: NewKeyRow) {
    return this.control.createKey(row);
  }
  controlListKeys(after: string, limit: number) {
    return this.control.listKeys(after, limit);
  }
  controlRevokeKey(id: string) {
    return this.control.revokeKey(id);
  }
  controlAddSigning(entry: NewSigningEntry) {
    return this.control.addSigning(entry);
  }
  controlListSigning() {
    return this.control.listSigning();
  }
  controlRemoveSigning(id: string) {
    return this.control.removeSigning(id);
  }
  controlReserveConnections(object: string, want: number) {
    return this.control.reserveConnections(object, want);
  }
  controlReleaseConnections(object: string, count: number) {
    return this.control.rooms.release(object, count);
  }
  controlNoteStoredRoom(object: string) {
    this.control.rooms.noteStoredRoom(object);
  }
  controlForgetStoredRoom(object: string) {
    this.control.rooms.forgetStoredRoom(object);
  }
  controlStoredRooms(limit: number) {
    return this.control.rooms.storedRooms(limit);
  }
  // ---- end of the control plane ----

  /** Drops a registration unless the room registered again meanwhile (its lease would differ). */
  private forget(reg: RegistrationRow): void {
    this.sql.exec("DELETE FROM registrations WHERE object = ? AND lease_until = ?", reg.object, reg.lease_until);
  }

  private pruneRevocations(): void {
    this.sql.exec("DELETE FROM revocations WHERE keep_until <= ?", nowSeconds());
  }

  /** Keeps the alarm at the earliest time anything needs it. */
  private async scheduleAlarm(atMs: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || atMs < current) await this.ctx.storage.setAlarm(atMs);
  }

  private active(): Revocation[] {
    return this.sql
      .exec<RevocationRow>("SELECT kind, value, before, keep_until FROM revocations WHERE keep_until > ?", nowSeconds())
      .toArray()
      .map((row) =>
        row.kind === "jti"
          ? { kind: "jti", jti: row.value, keepUntil: row.keep_until }
          : { kind: "sub", sub: row.value, before: row.before ?? 0, keepUntil: row.keep_until },
      );
  }
}

export function tenantStub(env: Env, tenant: string) {
  return env.TENANTS.get(env.TENANTS.idFromName(tenant));
}
