// The coordinator's durable record of a sharded room: the layout its shards were created under
// (tenant, room, shard count) and which shards hold sockets, each with whether it has presence
// watchers. Durable, so a hibernated or evicted coordinator still knows where to forward.
import { hasTable } from "../storage.ts";

type LayoutRow = { tenant: string; room: string; count: number };

export class Layout {
  private readonly sql: SqlStorage;
  private row: LayoutRow | undefined;
  private readonly shards = new Map<number, { watchers: boolean }>();

  constructor(sql: SqlStorage) {
    this.sql = sql;
    if (!hasTable(sql, "fanout_layout")) return;
    this.row = sql.exec<LayoutRow>("SELECT tenant, room, count FROM fanout_layout").toArray()[0];
    for (const row of sql.exec<{ idx: number; watchers: number }>("SELECT idx, watchers FROM fanout_shards"))
      this.shards.set(row.idx, { watchers: row.watchers === 1 });
  }

  /** The shard count of the room's live shards; undefined while no shard holds sockets. */
  get count(): number | undefined {
    return this.shards.size === 0 ? undefined : this.row?.count;
  }

  /** The room the layout is for and its shard count, as last recorded. */
  get room(): LayoutRow | undefined {
    return this.row;
  }

  get live(): ReadonlySet<number> {
    return new Set(this.shards.keys());
  }

  /** Whether any shard has presence watchers. */
  get watched(): boolean {
    for (const s of this.shards.values()) if (s.watchers) return true;
    return false;
  }

  /** A shard took its first socket; the caller has checked that `count` is the room's layout. */
  add(tenant: string, room: string, index: number, count: number): void {
    this.sql.exec(`CREATE TABLE IF NOT EXISTS fanout_layout (tenant TEXT NOT NULL, room TEXT NOT NULL, count INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS fanout_shards (idx INTEGER PRIMARY KEY, watchers INTEGER NOT NULL)`);
    if (this.shards.size === 0) {
      this.sql.exec("DELETE FROM fanout_layout");
      this.sql.exec("INSERT INTO fanout_layout (tenant, room, count) VALUES (?, ?, ?)", tenant, room, count);
      this.row = { tenant, room, count };
    }
    this.sql.exec("INSERT OR IGNORE INTO fanout_shards (idx, watchers) VALUES (?, 0)", index);
    if (!this.shards.has(index)) this.shards.set(index, { watchers: false });
  }

  /** A shard holds no socket any more; false when it was not live. */
  remove(index: number): boolean {
    if (!this.shards.delete(index)) return false;
    this.sql.exec("DELETE FROM fanout_shards WHERE idx = ?", index);
    return true;
  }

  /** Records whether a shard has presence watchers; true when the room's watched state changed. */
  setWatchers(index: number, has: boolean): boolean {
    const shard = this.shards.get(index);
    if (shard === undefined || shard.watchers === has) return false;
    const before = this.watched;
    shard.watchers = has;
    this.sql.exec("UPDATE fanout_shards SET watchers = ? WHERE idx = ?", has ? 1 : 0, index);
    return before !== this.watched;
  }

  /** Live shards with presence watchers, but `except`. */
  watchersBut(except: number): number[] {
    return [...this.shards].filter(([i, s]) => i !== except && s.watchers).map(([i]) => i);
  }
}
