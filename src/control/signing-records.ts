// A tenant's registered signing keys and jwksUrls in its object's SQLite (the table is created with
// the tenant's record, in tenant-records.ts). Synchronous SQL only.
import { z } from "zod";
import { type SigningEntry, type SigningKey, signingKeySchema } from "../protocol.ts";
import { stored, type TenantRecords } from "./tenant-records.ts";

type SigningRow = { id: string; jwks_url: string | null; keys: string; created_at: number; fetched_at: number | null };
const storedKeys = z.array(signingKeySchema);

export class SigningRecords {
  private readonly sql: SqlStorage;
  private readonly tenant: TenantRecords;

  constructor(sql: SqlStorage, tenant: TenantRecords) {
    this.sql = sql;
    this.tenant = tenant;
  }

  signingEntries(): SigningEntry[] {
    if (!this.tenant.hasRecords()) return [];
    return this.sql
      .exec<SigningRow>(
        "SELECT id, jwks_url, keys, created_at, fetched_at FROM control_signing_keys ORDER BY created_at, id",
      )
      .toArray()
      .map(toSigning);
  }

  insertSigning(e: SigningEntry): void {
    this.sql.exec(
      "INSERT INTO control_signing_keys (id, jwks_url, keys, created_at, fetched_at) VALUES (?, ?, ?, ?, ?)",
      e.id,
      e.jwksUrl,
      JSON.stringify(e.keys),
      e.createdAt,
      e.fetchedAt,
    );
  }

  deleteSigning(id: string): void {
    this.sql.exec("DELETE FROM control_signing_keys WHERE id = ?", id);
  }

  /**
   * The jwksUrl entries due a fetch, each marked attempted at `now` before any await so two
   * concurrent readers never fetch the same URL twice: every entry last attempted before `before`.
   */
  claimUrlFetches(before: number, now: number): { id: string; url: string }[] {
    if (!this.tenant.hasRecords()) return [];
    const due = this.sql
      .exec<{ id: string; jwks_url: string }>(
        "SELECT id, jwks_url FROM control_signing_keys WHERE jwks_url IS NOT NULL AND coalesce(attempted_at, 0) < ?",
        before,
      )
      .toArray();
    for (const d of due) this.sql.exec("UPDATE control_signing_keys SET attempted_at = ? WHERE id = ?", now, d.id);
    return due.map((d) => ({ id: d.id, url: d.jwks_url }));
  }

  /** Whether a jwksUrl entry was fetched successfully before `before` (or never). */
  staleUrls(before: number): boolean {
    if (!this.tenant.hasRecords()) return false;
    return (
      this.sql
        .exec(
          "SELECT 1 FROM control_signing_keys WHERE jwks_url IS NOT NULL AND coalesce(fetched_at, 0) < ? LIMIT 1",
          before,
        )
        .toArray().length > 0
    );
  }

  /** A URL's new good set; an entry removed meanwhile stays removed. */
  storeFetched(id: string, keys: SigningKey[], now: number): void {
    this.sql.exec(
      "UPDATE control_signing_keys SET keys = ?, fetched_at = ? WHERE id = ?",
      JSON.stringify(keys),
      now,
      id,
    );
  }
}

function toSigning(row: SigningRow): SigningEntry {
  return {
    id: row.id,
    jwksUrl: row.jwks_url,
    keys: stored(storedKeys, row.keys),
    createdAt: row.created_at,
    fetchedAt: row.fetched_at,
  };
}
