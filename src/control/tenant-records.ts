// A tenant's control-plane records in its own object's SQLite: status, limits, origins (one row),
// API keys (signing keys: signing-records.ts; what rooms hold: room-ledger.ts). Synchronous SQL only; the object's RPC methods (tenant-control.ts) do
// the awaiting. Tables are created by the first write, so a tenant the operator API never touched
// stores nothing and reads as unmanaged.
import { z } from "zod";
import type { ApiKeyRow, TenantRecord } from "../protocol.ts";
import { hasTable } from "../sql-tables.ts";
import { API_KEY_SCOPES, LIMIT_NAMES, type LimitName } from "../wire.ts";

// What this module wrote, read back through schemas: not strict, so a newer version's extra
// members (a gradual deployment runs two versions) are dropped rather than refused.
const storedLimits = z.object(
  Object.fromEntries(LIMIT_NAMES.map((n) => [n, z.number().optional()])) as Record<
    LimitName,
    z.ZodOptional<z.ZodNumber>
  >,
);
const storedStatus = z.enum(["active", "suspended", "deleted"]);
const storedOrigins = z.array(z.string());
const storedScopes = z.array(z.enum(API_KEY_SCOPES));
/** A JSON column this module wrote, parsed with `schema`. */
export const stored = <T extends z.ZodType>(schema: T, text: string): z.output<T> => schema.parse(JSON.parse(text));

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS control_tenant (singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    tenant TEXT NOT NULL, status TEXT NOT NULL, limits TEXT NOT NULL, allowed_origins TEXT,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS control_api_keys (id TEXT PRIMARY KEY, hash TEXT NOT NULL, scopes TEXT NOT NULL,
    name TEXT, created_at INTEGER NOT NULL, expires_at INTEGER, last_used_at INTEGER, revoked_at INTEGER);
  CREATE TABLE IF NOT EXISTS control_signing_keys (id TEXT PRIMARY KEY, jwks_url TEXT, keys TEXT NOT NULL,
    created_at INTEGER NOT NULL, fetched_at INTEGER, attempted_at INTEGER)`;
// (control_signing_keys is read and written by signing-records.ts; created here with the others.)

type TenantRow = {
  tenant: string;
  status: string;
  limits: string;
  allowed_origins: string | null;
  created_at: number;
  updated_at: number;
};
type KeyRow = {
  id: string;
  hash: string;
  scopes: string;
  name: string | null;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
};

/** lastUsedAt is kept to the minute: a key in steady use costs one write a minute. */
const MINUTE_MS = 60_000;

export class TenantRecords {
  private readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
  }

  /** Whether any record exists (the object must then keep its storage). */
  hasRecords(): boolean {
    return hasTable(this.sql, "control_tenant");
  }

  /** The tenant's row, deleted ones included. */
  tenant(): TenantRecord | undefined {
    if (!this.hasRecords()) return undefined;
    const row = this.sql.exec<TenantRow>("SELECT * FROM control_tenant").toArray()[0];
    return row === undefined ? undefined : toTenant(row);
  }

  writeTenant(t: TenantRecord): void {
    this.sql.exec(SCHEMA);
    this.sql.exec(
      `INSERT INTO control_tenant (singleton, tenant, status, limits, allowed_origins, created_at, updated_at)
       VALUES (1, ?, ?, ?, ?, ?, ?) ON CONFLICT(singleton) DO UPDATE SET tenant = excluded.tenant,
       status = excluded.status, limits = excluded.limits, allowed_origins = excluded.allowed_origins,
       created_at = excluded.created_at, updated_at = excluded.updated_at`,
      t.id,
      t.status,
      JSON.stringify(t.limits),
      t.allowedOrigins === null ? null : JSON.stringify(t.allowedOrigins),
      t.createdAt,
      t.updatedAt,
    );
  }

  /** Every key and signing key goes; the row stays as a tombstone so the tenant's credentials stay refused. */
  deleteCredentials(): void {
    this.sql.exec("DELETE FROM control_api_keys; DELETE FROM control_signing_keys");
  }

  key(id: string, tenant: string): ApiKeyRow | undefined {
    const row = this.sql.exec<KeyRow>("SELECT * FROM control_api_keys WHERE id = ?", id).toArray()[0];
    return row === undefined ? undefined : toKey(row, tenant);
  }

  insertKey(k: ApiKeyRow): void {
    this.sql.exec(
      `INSERT INTO control_api_keys (id, hash, scopes, name, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
      k.id,
      k.hash,
      JSON.stringify(k.scopes),
      k.name,
      k.createdAt,
      k.expiresAt,
    );
  }

  /** Keys ordered by id, after `after`; one more than `limit` is read to know whether a next page exists. */
  keys(tenant: string, after: string, limit: number): ApiKeyRow[] {
    return this.sql
      .exec<KeyRow>("SELECT * FROM control_api_keys WHERE id > ? ORDER BY id LIMIT ?", after, limit)
      .toArray()
      .map((row) => toKey(row, tenant));
  }

  revokeKey(id: string, now: number): void {
    this.sql.exec("UPDATE control_api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", now, id);
  }

  /** Notes a verified use of key `id` at `now`, to the minute. */
  noteKeyUse(id: string, now: number): void {
    const minute = Math.floor(now / MINUTE_MS) * MINUTE_MS;
    this.sql.exec(
      "UPDATE control_api_keys SET last_used_at = ? WHERE id = ? AND coalesce(last_used_at, 0) < ?",
      minute,
      id,
      minute,
    );
  }
}

function toTenant(row: TenantRow): TenantRecord {
  return {
    id: row.tenant,
    status: storedStatus.parse(row.status),
    limits: stored(storedLimits, row.limits),
    allowedOrigins: row.allowed_origins === null ? null : stored(storedOrigins, row.allowed_origins),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toKey(row: KeyRow, tenant: string): ApiKeyRow {
  return {
    id: row.id,
    tenant,
    scopes: stored(storedScopes, row.scopes),
    name: row.name,
    hash: row.hash,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}
