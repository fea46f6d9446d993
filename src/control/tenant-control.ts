// The control plane inside a tenant's object: the operator API's reads and writes of the tenant's
// records, and the two hot-path reads (the tenant's snapshot; one API key), which the Worker caches.
// Refusals are returned as outcomes: a class thrown across RPC arrives as a plain Error.
import { hashMatches, type KeyRecord } from "../auth/api-keys.ts";
import { configFor } from "../config.ts";
import type { Env } from "../env.ts";
import { log } from "../log.ts";
import type {
  ApiKeyRow,
  CreateTenant,
  Outcome,
  SigningEntry,
  TenantRecord,
  TenantSnapshot,
  UpdateTenant,
} from "../protocol.ts";
import { MAX_SIGNING_ENTRIES } from "../wire.ts";
import { type JwksFetch, jwksFetcher } from "./jwks-fetch.ts";
import { patchLimits } from "./limits.ts";
import { RoomLedger } from "./room-ledger.ts";
import { SigningRecords } from "./signing-records.ts";
import { TenantRecords } from "./tenant-records.ts";
import { DEFAULT_TERMS, type TenantTerms } from "./terms.ts";

/** A token naming a kid nobody registered re-fetches the tenant's jwksUrls at most this often. */
export const UNKNOWN_KID_REFETCH_MS = 60_000;
/** A set older than this is re-fetched in the background when the snapshot is read. */
export const JWKS_MAX_AGE_MS = 10 * 60_000;

export const UNMANAGED: TenantSnapshot = Object.freeze({
  managed: false,
  status: "active",
  limits: {},
  allowedOrigins: null,
  signingKeys: [],
  jwksUrls: 0,
  at: 0,
}) as TenantSnapshot;

export type Page<T> = { items: T[]; next: string | undefined };
export type NewKeyRow = Omit<ApiKeyRow, "tenant" | "createdAt" | "lastUsedAt" | "revokedAt">;
export type NewSigningEntry = Omit<SigningEntry, "createdAt">;

const missing = (what: string): Outcome<never> => ({ ok: false, code: "not_found", message: `no such ${what}` });
const conflict = (message: string): Outcome<never> => ({ ok: false, code: "conflict", message });
const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });

export class TenantControl {
  private readonly records: TenantRecords;
  private readonly signing: SigningRecords;
  /** The objects holding the tenant's sockets (their grants) and data: used directly by the Tenant object. */
  readonly rooms: RoomLedger;
  private readonly fetchJwks: JwksFetch;
  private readonly now: () => number;

  constructor(sql: SqlStorage, fetchJwks: JwksFetch, now: () => number = Date.now) {
    this.records = new TenantRecords(sql);
    this.signing = new SigningRecords(sql, this.records);
    this.rooms = new RoomLedger(sql);
    this.fetchJwks = fetchJwks;
    this.now = now;
  }

  /** Whether the object must keep its storage for the control plane. */
  hasRecords(): boolean {
    return this.records.hasRecords() || this.rooms.holdsAnything();
  }

  /**
   * The tenant as the hot path sees it. `unknownKid`: a token named a kid the cached snapshot lacks,
   * so jwksUrls not tried for a minute are fetched first. A set past its age is refreshed in the
   * background; the provider being down leaves the last good set in place.
   */
  async snapshot(unknownKid: boolean): Promise<TenantSnapshot> {
    const now = this.now();
    if (unknownKid) await this.refreshUrls(now);
    else if (this.signing.staleUrls(now - JWKS_MAX_AGE_MS)) void this.refreshUrls(now);
    return this.current();
  }

  /** Key `id`'s record with the tenant's snapshot; a use is noted (to the minute) only when `hash` matches. */
  useKey(id: string, hash: string): { key: KeyRecord | undefined; snapshot: TenantSnapshot } {
    const snapshot = this.current();
    const tenant = this.live();
    const row = tenant === undefined ? undefined : this.records.key(id, tenant.id);
    if (row === undefined) return { key: undefined, snapshot };
    const now = this.now();
    const usable = row.revokedAt === null && (row.expiresAt === null || now < row.expiresAt);
    if (usable && hashMatches(hash, row.hash)) this.records.noteKeyUse(id, now);
    const key: KeyRecord = {
      id: row.id,
      tenant: row.tenant,
      scopes: row.scopes,
      hash: row.hash,
      revoked: row.revokedAt !== null,
      expiresAt: row.expiresAt ?? undefined,
    };
    return { key, snapshot };
  }

  createTenant(input: CreateTenant): Outcome<TenantRecord> {
    const existing = this.records.tenant();
    if (existing !== undefined && existing.status !== "deleted") return conflict(`tenant "${input.id}" exists`);
    const now = this.now();
    const record: TenantRecord = {
      id: input.id,
      status: "active",
      limits: input.limits ?? {},
      allowedOrigins: input.allowedOrigins ?? null,
      createdAt: now,
      updatedAt: now,
    };
    this.records.writeTenant(record);
    return ok(record);
  }

  getTenant(): Outcome<TenantRecord> {
    const t = this.live();
    return t === undefined ? missing("tenant") : ok(t);
  }

  updateTenant(patch: UpdateTenant): Outcome<TenantRecord> {
    const t = this.live();
    if (t === undefined) return missing("tenant");
    const next: TenantRecord = {
      ...t,
      status: patch.status ?? t.status,
      limits: patch.limits === undefined ? t.limits : patchLimits(t.limits, patch.limits),
      allowedOrigins: patch.allowedOrigins === undefined ? t.allowedOrigins : patch.allowedOrigins,
      updatedAt: this.now(),
    };
    this.records.writeTenant(next);
    return ok(next);
  }

  /** Keys and signing keys go at once; the record stays, marked deleted, so legacy credentials stay refused. */
  deleteTenant(): Outcome<TenantRecord> {
    const t = this.live();
    if (t === undefined) return missing("tenant");
    const deleted: TenantRecord = { ...t, status: "deleted", updatedAt: this.now() };
    this.records.writeTenant(deleted);
    this.records.deleteCredentials();
    return ok(deleted);
  }

  createKey(row: NewKeyRow): Outcome<ApiKeyRow> {
    const t = this.live();
    if (t === undefined) return missing("tenant");
    const created: ApiKeyRow = { ...row, tenant: t.id, createdAt: this.now(), lastUsedAt: null, revokedAt: null };
    if (this.records.key(row.id, t.id) !== undefined) return conflict(`key "${row.id}" exists`);
    this.records.insertKey(created);
    return ok(created);
  }

  listKeys(after: string, limit: number): Outcome<Page<ApiKeyRow>> {
    const t = this.live();
    if (t === undefined) return missing("tenant");
    const rows = this.records.keys(t.id, after, limit + 1);
    const items = rows.slice(0, limit);
    return ok({ items, next: rows.length > limit ? items.at(-1)?.id : undefined });
  }

  /** Revoking a revoked key changes nothing and answers the same record. */
  revokeKey(id: string): Outcome<ApiKeyRow> {
    const t = this.live();
    if (t === undefined) return missing("tenant");
    if (this.records.key(id, t.id) === undefined) return missing("API key");
    this.records.revokeKey(id, this.now());
    return ok(this.records.key(id, t.id) as ApiKeyRow);
  }

  addSigning(entry: NewSigningEntry): Outcome<SigningEntry> {
    if (this.live() === undefined) return missing("tenant");
    const entries = this.signing.signingEntries();
    if (entries.some((e) => e.id === entry.id)) return conflict(`signing key "${entry.id}" exists`);
    if (entries.length >= MAX_SIGNING_ENTRIES)
      return conflict(`a tenant has at most ${MAX_SIGNING_ENTRIES} signing keys and jwksUrls; remove one first`);
    const created: SigningEntry = { ...entry, createdAt: this.now() };
    this.signing.insertSigning(created);
    return ok(created);
  }

  listSigning(): Outcome<SigningEntry[]> {
    return this.live() === undefined ? missing("tenant") : ok(this.signing.signingEntries());
  }

  removeSigning(id: string): Outcome<SigningEntry> {
    if (this.live() === undefined) return missing("tenant");
    const entry = this.signing.signingEntries().find((e) => e.id === id);
    if (entry === undefined) return missing("signing key");
    this.signing.deleteSigning(id);
    return ok(entry);
  }

  isDeleted(): boolean {
    return this.records.tenant()?.status === "deleted";
  }

  /** What the objects holding the tenant's sockets enforce (src/control/terms.ts). */
  terms(): TenantTerms {
    const t = this.records.tenant();
    return t === undefined ? DEFAULT_TERMS : { status: t.status, limits: t.limits, at: t.updatedAt };
  }

  /**
   * The places `object` (holding `holding` sockets) may fill under the tenant's maxConnections,
   * asking `want` more: a room admits a socket only within its grant.
   */
  reserveConnections(object: string, holding: number, want: number): number {
    return this.rooms.reserve(object, holding, want, this.records.tenant()?.limits.maxConnections ?? null);
  }

  /** The record unless there is none or it is deleted. */
  private live(): TenantRecord | undefined {
    const t = this.records.tenant();
    return t === undefined || t.status === "deleted" ? undefined : t;
  }

  private current(): TenantSnapshot {
    const t = this.records.tenant();
    if (t === undefined) return UNMANAGED;
    const entries = this.signing.signingEntries();
    return {
      managed: true,
      status: t.status,
      limits: t.limits,
      allowedOrigins: t.allowedOrigins,
      signingKeys: entries.flatMap((e) => e.keys),
      jwksUrls: entries.filter((e) => e.jwksUrl !== null).length,
      at: t.updatedAt,
    };
  }

  private async refreshUrls(now: number): Promise<void> {
    const due = this.signing.claimUrlFetches(now - UNKNOWN_KID_REFETCH_MS, now);
    await Promise.all(
      due.map(async ({ id, url }) => {
        const result = await this.fetchJwks(url);
        if (result.ok) this.signing.storeFetched(id, result.keys, this.now());
        else log("jwks_refresh_failed", { entry: id, reason: result.reason });
      }),
    );
  }
}

/** The control plane of one tenant's object, fetching jwksUrls under the gateway's outbound policy. */
export function controlOf(sql: SqlStorage, env: Env): TenantControl {
  return new TenantControl(sql, jwksFetcher(configFor(env)));
}
