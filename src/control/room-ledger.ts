// What the tenant's object knows of the objects that hold the tenant's sockets or data: the places
// each was granted under maxConnections (connection-budget.ts), and the rooms that store history or
// idempotency records (so a deleted tenant's data can be found and deleted, not waited out).
// Synchronous SQL; tables are created by their first write.
import { hasTable } from "../sql-tables.ts";
import { regrant } from "./connection-budget.ts";

export class RoomLedger {
  private readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
  }

  /** Whether it holds anything (a grant, a stored room): the object must then keep its storage. */
  holdsAnything(): boolean {
    const rows = (table: string) =>
      hasTable(this.sql, table) && this.sql.exec(`SELECT 1 FROM ${table} LIMIT 1`).toArray().length > 0;
    return rows("control_connections") || rows("control_stored_rooms");
  }

  /** The grant of `object`, holding `holding` sockets and asking `want` more under `max` (connection-budget.ts). */
  reserve(object: string, holding: number, want: number, max: number | null): number {
    const grant = regrant(this.grants(), object, holding, want, max);
    this.setGrant(object, grant);
    return grant;
  }

  /** `object` now needs only `keep` places (0: it holds no socket). */
  settle(object: string, keep: number): void {
    if (keep > 0 || hasTable(this.sql, "control_connections")) this.setGrant(object, Math.max(0, keep));
  }

  /** A room now stores history or idempotency records (idempotent). */
  noteStoredRoom(object: string): void {
    this.sql.exec("CREATE TABLE IF NOT EXISTS control_stored_rooms (object TEXT PRIMARY KEY)");
    this.sql.exec("INSERT OR IGNORE INTO control_stored_rooms (object) VALUES (?)", object);
  }

  /** A room's storage is gone (it deleted it, or a purge did). */
  forgetStoredRoom(object: string): void {
    if (hasTable(this.sql, "control_stored_rooms"))
      this.sql.exec("DELETE FROM control_stored_rooms WHERE object = ?", object);
  }

  /** Up to `limit` rooms that store the tenant's data, for a deleted tenant's purge to walk. */
  storedRooms(limit: number): string[] {
    if (!hasTable(this.sql, "control_stored_rooms")) return [];
    return this.sql
      .exec<{ object: string }>("SELECT object FROM control_stored_rooms ORDER BY object LIMIT ?", limit)
      .toArray()
      .map((r) => r.object);
  }

  /** Places each socket-holding object was granted under maxConnections (connection-budget.ts). */
  private grants(): Map<string, number> {
    if (!hasTable(this.sql, "control_connections")) return new Map();
    const rows = this.sql.exec<{ object: string; granted: number }>("SELECT object, granted FROM control_connections");
    return new Map(rows.toArray().map((r) => [r.object, r.granted]));
  }

  private setGrant(object: string, count: number): void {
    this.sql.exec("CREATE TABLE IF NOT EXISTS control_connections (object TEXT PRIMARY KEY, granted INTEGER NOT NULL)");
    if (count === 0) this.sql.exec("DELETE FROM control_connections WHERE object = ?", object);
    else
      this.sql.exec(
        "INSERT INTO control_connections (object, granted) VALUES (?, ?) ON CONFLICT(object) DO UPDATE SET granted = excluded.granted",
        object,
        count,
      );
  }
}
