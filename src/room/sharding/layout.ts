// The coordinator's durable record of a sharded room: the layout its shards were created under
// (tenant, room, shard count) and which shards hold sockets, each with whether it has presence
// watchers. Durable, so a hibernated or evicted coordinator still knows where to forward.
import { type NewerFormatError, newerFormat } from "../../format-version.ts";
import { hasTable } from "../storage.ts";

type LayoutRow = { tenant: string; room: string; count: number };

/**
 * The format of the layout tables, in the `v` column of the `fanout_layout` row. A row written
 * before formats were numbered has no such column: 1. The column defaults to 1, so the version
 * before still writes its rows.
 */
export const LAYOUT_FORMAT = 1;

export class Layout {
  private readonly sql: SqlStorage;
  private row: LayoutRow | undefined;
  private readonly shards = new Map<number, { watchers: boolean }>();
  /** Set when a newer gateway version wrote the layout: then this coordinator neither reads nor writes it. */
  private readonly newer: NewerFormatError | undefined;

  constructor(sql: SqlStorage) {
    this.sql = sql;
    if (!hasTable(sql, "fanout_layout")) return;
    const row = sql.exec<LayoutRow & { v?: number }>("SELECT * FROM fanout_layout").toArray()[0];
    this.newer = newerFormat("the room's shard layout", row?.v, LAYOUT_FORMAT);
    if (this.newer !== undefined) return;
    this.row = row;
    for (const row of sql.exec<{ idx: number; watchers: number }>("SELECT idx, watchers FROM fanout_shards"))
      this.shards.set(row.idx, { watchers: row.watchers === 1 });
  }

  /** The shard count of the room's live shards; undefined while no shard holds sockets. */
  get count(): number | undefined {
    if (this.newer !== undefined) throw this.newer;
    return this.shards.size === 0 ? undefined : this.row?.count;
  }

  /** The room the layout is for and its shard count, as last recorded. */
  get room(): LayoutRow | undefined {
    if (this.newer !== undefined) throw this.newer;
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
    this.sql.exec("CREATE TABLE IF NOT EXISTS fanout_shards (idx INTEGER PRIMARY KEY, watchers INTEGER NOT NULL)");
    if (this.shards.size === 0) {
      this.sql.exec(`DROP TABLE IF EXISTS fanout_layout; CREATE TABLE fanout_layout (tenant TEXT NOT NULL,
        room TEXT NOT NULL, count INTEGER NOT NULL, v INTEGER NOT NULL DEFAULT 1)`);
      this.sql.exec(
        "INSERT INTO fanout_layout (tenant, room, count, v) VALUES (?, ?, ?, ?)",
        tenant,
        room,
        count,
        LAYOUT_FORMAT,
      );
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
