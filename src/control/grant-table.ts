// Grants of places under a limit (connection-budget.ts), kept in one SQL table of the owner's
// object: the tenant's object for maxConnections, a sharded room's coordinator for the room's cap.
// Synchronous SQL; the table is created by its first write.
import { hasTable } from "../sql-tables.ts";
import { regrant } from "./connection-budget.ts";

export class GrantTable {
  private readonly sql: SqlStorage;
  private readonly table: string;

  /** `table` is a fixed name chosen in code, never input. */
  constructor(sql: SqlStorage, table: string) {
    this.sql = sql;
    this.table = table;
  }

  /** Whether any object holds a grant. */
  holdsAny(): boolean {
    return hasTable(this.sql, this.table) && this.sql.exec(`SELECT 1 FROM ${this.table} LIMIT 1`).toArray().length > 0;
  }

  /** The grant of `object`, holding `holding` sockets and asking `want` more under `max` (connection-budget.ts). */
  reserve(object: string, holding: number, want: number, max: number | null): number {
    const grant = regrant(this.grants(), object, holding, want, max);
    this.setGrant(object, grant);
    return grant;
  }

  /** `object` now needs only `keep` places (0: it holds no socket). */
  settle(object: string, keep: number): void {
    if (keep > 0 || hasTable(this.sql, this.table)) this.setGrant(object, Math.max(0, keep));
  }

  private grants(): Map<string, number> {
    if (!hasTable(this.sql, this.table)) return new Map();
    const rows = this.sql.exec<{ object: string; granted: number }>(`SELECT object, granted FROM ${this.table}`);
    return new Map(rows.toArray().map((r) => [r.object, r.granted]));
  }

  private setGrant(object: string, count: number): void {
    this.sql.exec(`CREATE TABLE IF NOT EXISTS ${this.table} (object TEXT PRIMARY KEY, granted INTEGER NOT NULL)`);
    if (count === 0) this.sql.exec(`DELETE FROM ${this.table} WHERE object = ?`, object);
    else
      this.sql.exec(
        `INSERT INTO ${this.table} (object, granted) VALUES (?, ?) ON CONFLICT(object) DO UPDATE SET granted = excluded.granted`,
        object,
        count,
      );
  }
}
