// The room's messages in the object's SQLite storage: the sequence counter and recent history.
// Synchronous: the runtime batches these writes and holds outgoing messages until they are durable
// (output gate), so a client never sees a seq the room could forget.

import type { Viewer } from "../../auth/principal.ts";
import { type NewerFormatError, newerFormat } from "../../format-version.ts";
import { hasTable } from "../storage.ts";
import { mergeBySeq } from "./history.ts";
import { RecentMessages } from "./recent.ts";
import { ADD_RECIPIENTS, RECIPIENTS_SCHEMA, Recipients } from "./recipients.ts";
import {
  ALL,
  BROADCASTS,
  mapRows,
  parseStrings,
  type ReadableMessage,
  type ReadableRow,
  type Row,
  readable,
  type StoredMessage,
  TARGETED_AT,
} from "./rows.ts";

export type { ReadableMessage, StoredMessage } from "./rows.ts";

export type HistoryBounds = { maxMessages: number; maxAgeMs: number };

/** Age pruning walks the table, so it runs at most this often; reads filter by age exactly. */
const AGE_PRUNE_INTERVAL_MS = 1000;
/** Count pruning runs every this many messages; reads filter by count exactly. */
const COUNT_PRUNE_EVERY = 64;

/**
 * The format of the room's history tables (messages, meta, and the ledger's idempotency records),
 * kept as `meta` row `version`. Rooms stored before formats were numbered have no such row: 1.
 */
export const HISTORY_FORMAT = 1;

const SCHEMA = `CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS messages (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, frame TEXT NOT NULL, audience TEXT,
    event TEXT, tags TEXT, exclude TEXT);
  ${RECIPIENTS_SCHEMA};
  INSERT OR IGNORE INTO meta (key, value) VALUES ('version', ${HISTORY_FORMAT})`;
/**
 * Rooms created before filters have no event and tags columns. Their frames hold the event, and no
 * frame of theirs has tags; the migration runs once, when such a room wakes up.
 */
const ADD_FILTER_COLUMNS = `ALTER TABLE messages ADD COLUMN event TEXT;
  ALTER TABLE messages ADD COLUMN tags TEXT;
  UPDATE messages SET event = json_extract(frame, '$.event')`;

export class MessageStore {
  private seq = 0;
  private lastAgePrune = 0;
  /** Tables are created by the first write, so reading a room that never had a message stores nothing. */
  private hasSchema: boolean;
  private readonly sql: SqlStorage;
  private readonly recipients: Recipients;
  private readonly bounds: HistoryBounds;
  /** The tenant set its own history age (kept as `meta` row `max_age_ms`, so it outlives the object's memory). */
  private ownAge = false;
  private readonly defaultAgeMs: number;
  /** Set when a newer gateway version wrote the tables: then nothing here may read or write them. */
  readonly newer: NewerFormatError | undefined;
  /** The newest messages this object life recorded, for resumes (a storm's) that reach back no further. */
  private readonly recent: RecentMessages;

  constructor(storage: DurableObjectStorage, bounds: HistoryBounds) {
    this.sql = storage.sql;
    this.recipients = new Recipients(storage.sql);
    this.bounds = { ...bounds };
    this.defaultAgeMs = bounds.maxAgeMs;
    const sql = this.sql;
    this.hasSchema = hasTable(sql, "messages");
    this.recent = new RecentMessages(0, bounds.maxMessages);
    if (!this.hasSchema) return;
    const meta = new Map(
      sql
        .exec<{ key: string; value: number }>("SELECT key, value FROM meta")
        .toArray()
        .map((r) => [r.key, r.value]),
    );
    this.newer = newerFormat("the room's history", meta.get("version"), HISTORY_FORMAT);
    if (this.newer !== undefined) return;
    this.seq = meta.get("seq") ?? 0;
    this.recent.clear(this.seq + 1);
    const age = meta.get("max_age_ms");
    if (age !== undefined) [this.bounds.maxAgeMs, this.ownAge] = [age, true];
    if (sql.exec("SELECT 1 FROM pragma_table_info('messages') WHERE name = 'event'").toArray().length === 0)
      sql.exec(ADD_FILTER_COLUMNS);
    // Rooms stored before gap fills honoured `exclude`: their messages excluded nobody.
    if (sql.exec("SELECT 1 FROM pragma_table_info('messages') WHERE name = 'exclude'").toArray().length === 0)
      sql.exec("ALTER TABLE messages ADD COLUMN exclude TEXT");
    if (!hasTable(sql, "recipients")) sql.exec(ADD_RECIPIENTS);
  }

  lastSeq(): number {
    return this.seq;
  }

  get maxAgeMs(): number {
    return this.bounds.maxAgeMs;
  }

  /** The tenant's own history age (undefined: the global one): reads and pruning use it from now on. */
  setMaxAge(ms: number | undefined): void {
    if (ms === undefined) {
      if (!this.ownAge) return;
      [this.bounds.maxAgeMs, this.ownAge] = [this.defaultAgeMs, false];
      if (this.hasSchema) this.sql.exec("DELETE FROM meta WHERE key = 'max_age_ms'");
      return;
    }
    if (this.ownAge && ms === this.bounds.maxAgeMs) return;
    [this.bounds.maxAgeMs, this.ownAge] = [ms, true];
    if (this.hasSchema) this.keepAge();
  }

  /** Whether the room's tables exist (a message was ever recorded since storage was last deleted). */
  get stored(): boolean {
    return this.hasSchema;
  }

  /** Reserves and persists the next sequence number. */
  nextSeq(): number {
    this.ensureSchema();
    this.seq += 1;
    this.sql.exec(
      "INSERT INTO meta (key, value) VALUES ('seq', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
      this.seq,
    );
    return this.seq;
  }

  /** Records a delivered message and trims history to its count and age bounds. */
  append(m: StoredMessage & { ts: number }): void {
    this.ensureSchema();
    const { seq, ts } = m;
    this.sql.exec(
      "INSERT INTO messages (seq, ts, frame, audience, event, tags, exclude) VALUES (?, ?, ?, ?, ?, ?, ?)",
      seq,
      ts,
      m.frame,
      m.audience === undefined ? null : JSON.stringify(m.audience),
      m.event,
      m.tags === undefined ? null : JSON.stringify(m.tags),
      m.exclude === undefined || m.exclude.length === 0 ? null : JSON.stringify(m.exclude),
    );
    if (m.audience !== undefined) this.recipients.add(seq, m.audience);
    this.recent.add(m);
    if (seq % COUNT_PRUNE_EVERY === 0) {
      this.sql.exec("DELETE FROM messages WHERE seq < ?", this.oldestKept());
      this.recipients.pruneBelow(this.oldestKept());
    }
    if (ts - this.lastAgePrune >= AGE_PRUNE_INTERVAL_MS) {
      this.lastAgePrune = ts;
      this.expire(ts);
    }
  }

  /** Deletes the messages the age bound no longer keeps at `now`. */
  expire(now: number): void {
    if (!this.hasSchema) return;
    this.sql.exec("DELETE FROM messages WHERE ts < ?", now - this.bounds.maxAgeMs);
    this.recent.prune(this.oldestKept(), now - this.bounds.maxAgeMs);
    const oldest = this.sql.exec<{ seq: number | null }>("SELECT min(seq) AS seq FROM messages").one().seq;
    this.recipients.pruneBelow(oldest ?? this.seq + 1);
  }

  /** When the oldest stored message falls out of the age bound, or undefined when none is stored. */
  nextExpiry(): number | undefined {
    if (!this.hasSchema) return undefined;
    // Stamps follow seq, so the oldest message is the first row: one row read, not a table scan.
    const row = this.sql.exec<{ ts: number }>("SELECT ts FROM messages ORDER BY seq LIMIT 1").toArray()[0];
    return row === undefined ? undefined : row.ts + this.bounds.maxAgeMs;
  }

  /** Deletes every stored message and who it was for (its tenant was deleted); the counter goes on. */
  purge(): void {
    if (!this.hasSchema) return;
    this.sql.exec("DELETE FROM messages");
    this.recipients.pruneBelow(this.seq + 1);
    this.recent.clear(this.seq + 1);
  }

  /** The object deleted its storage: the counter starts over, and the tables are gone. */
  forget(): void {
    this.hasSchema = false;
    this.seq = 0;
    this.recent.clear(1);
  }

  /** Oldest seq still retained at `now`, or undefined when history is empty. */
  oldestSeq(now: number): number | undefined {
    if (!this.hasSchema) return undefined;
    const row = this.sql
      .exec<{ seq: number | null }>(
        "SELECT min(seq) AS seq FROM messages WHERE ts >= ? AND seq >= ?",
        now - this.bounds.maxAgeMs,
        this.oldestKept(),
      )
      .one();
    return row.seq ?? undefined;
  }

  /**
   * Messages with `since` < seq <= `upTo`, oldest first, within the count and age bounds. Rows are
   * read as the caller iterates, so a reader that stops early never holds more than it kept;
   * iterate without awaiting in between.
   */
  *scan(since: number, now: number, upTo = Number.MAX_SAFE_INTEGER): Generator<StoredMessage> {
    if (!this.hasSchema) return;
    const rows = this.sql.exec<Row>(
      "SELECT seq, frame, audience, event, tags, exclude FROM messages WHERE seq > ? AND seq <= ? AND ts >= ? ORDER BY seq",
      ...this.range(since, now, upTo),
    );
    for (const r of rows)
      yield {
        ...readable(r),
        audience: r.audience === null ? undefined : parseStrings(r.audience),
        exclude: r.exclude === null ? undefined : parseStrings(r.exclude),
      };
  }

  /**
   * Whether nothing after `since` has been pruned (see canRecover), answered from memory when the
   * newest messages reach back to `since`; undefined when SQLite must tell (`oldestSeq`).
   */
  followsRecent(since: number, now: number): boolean | undefined {
    if (!this.recent.covers(since)) return undefined;
    return this.recent.follows(since, this.oldestKept(), now - this.bounds.maxAgeMs);
  }

  /**
   * What a resume replays: `read`'s answer, from the newest messages kept in memory when they reach
   * back to `since` (after a blip, every socket's resume does), else from SQLite.
   */
  replayRead(viewer: Viewer, since: number, now: number, upTo: number): Iterable<ReadableMessage> {
    const [after, , oldestTs] = this.range(since, now, upTo);
    if (!this.hasSchema || !this.recent.covers(after)) return this.read(viewer, since, now, upTo);
    return this.recent.read(viewer, { since: after, upTo, oldestTs });
  }

  /**
   * Like `scan`, but only the messages `viewer` may see, and only those rows are read: a user's
   * come from the broadcasts' index and its own entries in the recipients index, merged by seq.
   */
  read(viewer: Viewer, since: number, now: number, upTo = Number.MAX_SAFE_INTEGER): Iterable<ReadableMessage> {
    if (!this.hasSchema) return [];
    const range = this.range(since, now, upTo);
    const rows = (query: string, ...first: string[]) => mapRows(this.sql.exec<ReadableRow>(query, ...first, ...range));
    if (viewer.kind === "admin") return rows(ALL);
    if (viewer.kind === "broadcasts") return rows(BROADCASTS);
    return mergeBySeq(rows(BROADCASTS), rows(TARGETED_AT, viewer.id));
  }

  /**
   * Adds users to a targeted message's audience once they are known (in a sharded room, the shards
   * report who a connection-targeted message reached).
   */
  widenAudience(seq: number, subs: readonly string[]): void {
    if (!this.hasSchema || subs.length === 0) return;
    const row = this.sql
      .exec<{ audience: string | null }>("SELECT audience FROM messages WHERE seq = ?", seq)
      .toArray()[0];
    if (row === undefined || row.audience === null) return;
    const audience = [...new Set([...parseStrings(row.audience), ...subs])];
    this.sql.exec("UPDATE messages SET audience = ? WHERE seq = ?", JSON.stringify(audience), seq);
    this.recipients.add(seq, subs);
    this.recent.widen(seq, subs);
  }

  /** The lowest seq the count bound keeps. */
  private oldestKept(): number {
    return this.seq - this.bounds.maxMessages + 1;
  }

  /** The bindings of a read after `since` up to `upTo`: the bounds applied. */
  private range(since: number, now: number, upTo: number): [number, number, number] {
    return [Math.max(since, this.oldestKept() - 1), upTo, now - this.bounds.maxAgeMs];
  }

  private ensureSchema(): void {
    if (this.hasSchema) return;
    this.sql.exec(SCHEMA);
    this.hasSchema = true;
    if (this.ownAge) this.keepAge();
  }

  private keepAge(): void {
    this.sql.exec(
      "INSERT INTO meta (key, value) VALUES ('max_age_ms', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
      this.bounds.maxAgeMs,
    );
  }
}
