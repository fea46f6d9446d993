// The rooms list of one usage object: one row per reporter (a room object, a shard, a Worker
// isolate) with the last flush it applied and, for socket holders, their live sockets. A row that
// is not renewed within LEASE_MS no longer counts: its object was reset without a last report.
import { LEASE_MS, type LiveSnapshot } from "./report.ts";

/** A room as the rooms list shows it: its live objects added up. */
export type RoomEntry = { room: string; connections: number; users: number; shards: number };
export type RoomsSort = "name" | "connections";
/** Where a page starts: after this room (and, sorted by connections, this count). */
export type RoomsAfter = { room: string; connections?: number | undefined };
export type RoomsQuery = { prefix: string; sort: RoomsSort; after?: RoomsAfter | undefined; limit: number };

/** A reporter's row is kept this long after its last report, so a late repeat is still recognised. */
const KEEP_REPORTER_MS = 24 * 3_600_000;
/** Above every character a room name may hold ([A-Za-z0-9_.:-]): the end of a prefix range. */
const AFTER_ROOM_CHARS = "\u007f";

type ReporterRow = { flush_id: number; connections: number };

export class RoomsIndex {
  private readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS usage_reporters (reporter TEXT PRIMARY KEY, flush_id INTEGER NOT NULL,
        room TEXT, connections INTEGER NOT NULL, users INTEGER NOT NULL, reported_at INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS usage_reporters_room ON usage_reporters (room) WHERE connections > 0`);
  }

  /** The last flush applied for `reporter`, if it is known. */
  lastFlushId(reporter: string): number | undefined {
    return this.row(reporter)?.flush_id;
  }

  /**
   * Records an applied flush and the reporter's live sockets (kept as they were when it sent
   * none). Answers the change of this reporter's live sockets.
   */
  record(reporter: string, flushId: number, live: LiveSnapshot | undefined, nowMs: number): number {
    const before = this.row(reporter)?.connections ?? 0;
    if (live === undefined) {
      this.sql.exec(
        `INSERT INTO usage_reporters (reporter, flush_id, room, connections, users, reported_at) VALUES (?, ?, NULL, 0, 0, ?)
         ON CONFLICT(reporter) DO UPDATE SET flush_id = excluded.flush_id,
           reported_at = CASE WHEN connections = 0 THEN excluded.reported_at ELSE reported_at END`,
        reporter,
        flushId,
        nowMs,
      );
      return 0;
    }
    this.sql.exec(
      `INSERT INTO usage_reporters (reporter, flush_id, room, connections, users, reported_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(reporter) DO UPDATE SET flush_id = excluded.flush_id, room = excluded.room,
         connections = excluded.connections, users = excluded.users, reported_at = excluded.reported_at`,
      reporter,
      flushId,
      live.room,
      live.connections,
      live.users,
      nowMs,
    );
    return live.connections - before;
  }

  /** Live sockets of every reporter whose lease holds. */
  total(nowMs: number): { connections: number; rooms: number } {
    return this.sql
      .exec<{ connections: number; rooms: number }>(
        `SELECT coalesce(sum(connections), 0) AS connections, count(DISTINCT room) AS rooms
         FROM usage_reporters WHERE connections > 0 AND reported_at > ?`,
        nowMs - LEASE_MS,
      )
      .one();
  }

  /** Up to `limit` rooms in the query's order, after its cursor. */
  page(q: RoomsQuery, nowMs: number): RoomEntry[] {
    const select = `SELECT room, sum(connections) AS connections, sum(users) AS users, count(*) AS shards
      FROM usage_reporters WHERE connections > 0 AND reported_at > ? AND room >= ? AND room < ?`;
    const range = [nowMs - LEASE_MS, q.prefix, q.prefix + AFTER_ROOM_CHARS];
    if (q.sort === "name")
      return this.sql
        .exec<RoomEntry>(
          `${select} AND room > ? GROUP BY room ORDER BY room LIMIT ?`,
          ...range,
          q.after?.room ?? "",
          q.limit,
        )
        .toArray();
    const count = q.after?.connections ?? Number.MAX_SAFE_INTEGER;
    return this.sql
      .exec<RoomEntry>(
        `${select} GROUP BY room HAVING connections < ? OR (connections = ? AND room > ?)
         ORDER BY connections DESC, room LIMIT ?`,
        ...range,
        count,
        count,
        q.after?.room ?? "",
        q.limit,
      )
      .toArray();
  }

  /** Forgets the live sockets of reporters whose lease ran out, and rows nobody will repeat to. */
  prune(nowMs: number): void {
    this.sql.exec(
      "UPDATE usage_reporters SET connections = 0, users = 0 WHERE connections > 0 AND reported_at <= ?",
      nowMs - LEASE_MS,
    );
    this.sql.exec("DELETE FROM usage_reporters WHERE reported_at <= ? AND connections = 0", nowMs - KEEP_REPORTER_MS);
  }

  private row(reporter: string): ReporterRow | undefined {
    return this.sql
      .exec<ReporterRow>("SELECT flush_id, connections FROM usage_reporters WHERE reporter = ?", reporter)
      .toArray()[0];
  }
}
