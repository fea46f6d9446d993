// The control plane's one global object: the list of tenants (for paging through them) and the
// operator audit log. Only operator calls reach it, never a publish or a connect, so its single
// object's rate is no limit on the gateway: every hot-path read goes to the tenant's own object.
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import type { Env } from "../env.ts";
import type { TenantStatus } from "../wire.ts";

/** Audit entries are kept this long, then deleted by the alarm. */
export const AUDIT_RETENTION_MS = 90 * 24 * 3_600_000;

export type TenantListing = { id: string; status: TenantStatus; createdAt: number; updatedAt: number };
/** Who (the operator key id), what and when; `details` never holds a secret. */
export type AuditEntry = {
  id: number;
  at: number;
  operator: string;
  action: string;
  tenant: string | null;
  target: string | null;
  details: Record<string, unknown> | null;
};
export type AuditInput = Omit<AuditEntry, "id">;
/** A listing to add or refresh, or a tenant to drop from the list. */
export type ListingChange = { upsert: TenantListing } | { remove: string };
export type DirectoryPage<T> = { items: T[]; next: string | undefined };

type ListingRow = { id: string; status: string; created_at: number; updated_at: number };
type AuditRow = Omit<AuditEntry, "details"> & { details: string | null };

const storedStatus = z.enum(["active", "suspended", "deleted"]);
const storedDetails = z.record(z.string(), z.unknown());

export class Directory extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS tenants (id TEXT PRIMARY KEY, status TEXT NOT NULL,
        created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL,
        operator TEXT NOT NULL, action TEXT NOT NULL, tenant TEXT, target TEXT, details TEXT);
      CREATE INDEX IF NOT EXISTS audit_by_tenant ON audit (tenant, id)`);
  }

  /** An operator action that succeeded: the list's change (if any) and its audit entry, in one transaction. */
  async record(change: ListingChange | undefined, entry: AuditInput): Promise<void> {
    this.ctx.storage.transactionSync(() => {
      if (change !== undefined && "upsert" in change) {
        const t = change.upsert;
        this.sql.exec(
          `INSERT INTO tenants (id, status, created_at, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(id)
           DO UPDATE SET status = excluded.status, created_at = excluded.created_at, updated_at = excluded.updated_at`,
          t.id,
          t.status,
          t.createdAt,
          t.updatedAt,
        );
      } else if (change !== undefined) this.sql.exec("DELETE FROM tenants WHERE id = ?", change.remove);
      this.sql.exec(
        "INSERT INTO audit (at, operator, action, tenant, target, details) VALUES (?, ?, ?, ?, ?, ?)",
        entry.at,
        entry.operator,
        entry.action,
        entry.tenant,
        entry.target,
        entry.details === null ? null : JSON.stringify(entry.details),
      );
    });
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(entry.at + AUDIT_RETENTION_MS);
  }

  /** Tenants by id after `after`. */
  tenants(after: string, limit: number): DirectoryPage<TenantListing> {
    const rows = this.sql
      .exec<ListingRow>("SELECT * FROM tenants WHERE id > ? ORDER BY id LIMIT ?", after, limit + 1)
      .toArray();
    const items = rows.slice(0, limit).map((r) => ({
      id: r.id,
      status: storedStatus.parse(r.status),
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }));
    return { items, next: rows.length > limit ? items.at(-1)?.id : undefined };
  }

  /** Audit entries newest first, older than entry `before` when given, of one tenant when given. */
  audit(tenant: string | undefined, before: number | undefined, limit: number): DirectoryPage<AuditEntry> {
    const rows = this.sql
      .exec<AuditRow>(
        `SELECT * FROM audit WHERE id < ? AND (? IS NULL OR tenant = ?) ORDER BY id DESC LIMIT ?`,
        before ?? Number.MAX_SAFE_INTEGER,
        tenant ?? null,
        tenant ?? null,
        limit + 1,
      )
      .toArray();
    const items = rows.slice(0, limit).map((r) => ({
      ...r,
      details: r.details === null ? null : storedDetails.parse(JSON.parse(r.details)),
    }));
    return { items, next: rows.length > limit ? String(items.at(-1)?.id) : undefined };
  }

  /** Deletes entries past their retention; wakes again when the oldest left is due. */
  override async alarm(): Promise<void> {
    const cutoff = Date.now() - AUDIT_RETENTION_MS;
    this.sql.exec("DELETE FROM audit WHERE at <= ?", cutoff);
    const oldest = this.sql.exec<{ at: number | null }>("SELECT min(at) AS at FROM audit").one().at;
    if (oldest !== null) await this.ctx.storage.setAlarm(oldest + AUDIT_RETENTION_MS);
  }
}
