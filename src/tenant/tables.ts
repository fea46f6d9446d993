// The tenant object's own tables (registrations, revocations) and their format. The control plane's
// tables (records, keys, grants) are created by src/control/.
import { type NewerFormatError, newerFormat } from "../format-version.ts";
import { numberRevocations } from "./revocation-pages.ts";

/**
 * The format of the tenant's tables (registrations, revocations), kept as `meta` row `version`;
 * tables written before formats were numbered have no such row: 1.
 */
export const TENANT_FORMAT = 1;

/** Creates or upgrades the tables; answers the refusal when a newer gateway version wrote them (nothing is touched then). */
export function openTenantTables(sql: SqlStorage): NewerFormatError | undefined {
  sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
  const version = sql.exec<{ value: number }>("SELECT value FROM meta WHERE key = 'version'").toArray()[0];
  const newer = newerFormat("the tenant's tables", version?.value, TENANT_FORMAT);
  if (newer !== undefined) return newer;
  // `rooms` held bare room names and no lease: after a deploy every socket reconnects and
  // registers again, so the old table is simply dropped.
  sql.exec(`DROP TABLE IF EXISTS rooms;
    CREATE TABLE IF NOT EXISTS registrations (object TEXT PRIMARY KEY, lease_until INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS revocations (kind TEXT NOT NULL, value TEXT NOT NULL, before INTEGER,
      keep_until INTEGER NOT NULL, PRIMARY KEY (kind, value));
    INSERT OR IGNORE INTO meta (key, value) VALUES ('version', ${TENANT_FORMAT})`);
  // A column an older version ignores (its rows come unnumbered): the format stays 1.
  numberRevocations(sql);
  return undefined;
}
