// What the tenant's object knows of the objects that hold the tenant's sockets or data: the places
// each was granted under maxConnections (connection-budget.ts), and the rooms that store history or
// idempotency records (so a deleted tenant's data can be found and deleted, not waited out).
// Synchronous SQL; tables are created by their first write.
import { hasTable } from "../sql-tables.ts";
import { GrantTable } from "./grant-table.ts";

export class RoomLedger {
  private readonly sql: SqlStorage;
  private readonly connections: GrantTable;

  constructor(sql: SqlStorage) {
    this.sql = sql;
    this.connections = new GrantTable(sql, "control_connections");
  }

  /** Whether it holds anything (a grant, a stored room): the object must then keep its storage. */
  holdsAnything(): boolean {
    const stored = () =>
      hasTable(this.sql, "control_stored_rooms") &&
      this.sql.exec("SELECT 1 FROM control_stored_rooms LIMIT 1").toArray().length > 0;
    return this.connections.holdsAny() || stored();
  }

  /** The grant of `object`, holding `holding` sockets and asking `want` more under `max` (connection-budget.ts). */
  reserve(object: string, holding: number, want: number, max: number | null): number {
    return this.connections.reserve(object, holding, want, max);
  }

  /** `object` now needs only `keep` places (0: it holds no socket). */
  settle(object: string, keep: number): void {
    this.connections.settle(object, keep);
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
}
