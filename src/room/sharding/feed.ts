// A shard's side of the feed from its coordinator: which shard it is while it holds sockets, the
// last seq it delivered (durable, so eviction forgets nothing), and one delivery at a time, in the
// order the coordinator sent them. A forward that never arrived shows up as a gap, filled from the
// coordinator's history before anything newer is delivered: a lost forward costs latency, never a
// message.

import { type NewerFormatError, newerFormat } from "../../format-version.ts";
import type { Forward } from "../rpc.ts";
import { hasTable } from "../storage.ts";
import type { ShardRef } from "./placement.ts";

/** What a shard does with a forward, given the last seq it delivered. */
export type Step = { kind: "duplicate" } | { kind: "deliver" } | { kind: "fill"; after: number; before: number };

/**
 * A forward at or below `fed` was delivered already (a retry). One whose predecessor is known and
 * delivered, or that directly follows `fed`, is next. Anything else leaves messages between `fed`
 * and it that this shard has not seen: some may be for nobody here (targeted elsewhere), and the
 * coordinator's history tells.
 */
export function stepFor(fed: number, f: Pick<Forward, "seq" | "prev">): Step {
  if (f.seq <= fed) return { kind: "duplicate" };
  if (f.prev === undefined ? f.seq === fed + 1 : f.prev <= fed) return { kind: "deliver" };
  return { kind: "fill", after: fed, before: f.seq };
}

/** Which room a shard belongs to: the name of the object that feeds it. */
export type RoomIdentity = { tenant: string; room: string };

type Row = RoomIdentity & { idx: number; count: number; fed: number };

/**
 * The format of the `shard_feed` row, in its `v` column. Rows written before formats were numbered
 * have no such column: 1. The column defaults to 1, so the version before still writes its rows.
 */
export const SHARD_FEED_FORMAT = 1;

export class ShardFeed {
  private readonly sql: SqlStorage;
  private state: Row | undefined;
  /** Set when a newer gateway version wrote the row: then this shard neither reads nor writes it. */
  private readonly newer: NewerFormatError | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private writing = false;

  constructor(sql: SqlStorage) {
    this.sql = sql;
    if (!hasTable(sql, "shard_feed")) return;
    const row = sql.exec<Row & { v?: number }>("SELECT * FROM shard_feed").toArray()[0];
    this.newer = newerFormat("the shard's feed", row?.v, SHARD_FEED_FORMAT);
    if (this.newer === undefined) this.state = row;
  }

  /** The shard this object is while attached to its coordinator; undefined when detached. */
  get ref(): ShardRef | undefined {
    const state = this.current;
    return state === undefined ? undefined : { index: state.idx, count: state.count };
  }

  get identity(): RoomIdentity | undefined {
    const state = this.current;
    return state === undefined ? undefined : { tenant: state.tenant, room: state.room };
  }

  /** The last seq delivered here (the welcome seq of a new socket). */
  get fed(): number {
    return this.current?.fed ?? 0;
  }

  /** Attached: the coordinator sends every message after `fed` from now on. */
  attach(room: RoomIdentity, ref: ShardRef, fed: number): void {
    this.sql.exec(`DROP TABLE IF EXISTS shard_feed; CREATE TABLE shard_feed (tenant TEXT NOT NULL, room TEXT NOT NULL,
      idx INTEGER NOT NULL, count INTEGER NOT NULL, fed INTEGER NOT NULL, v INTEGER NOT NULL DEFAULT 1)`);
    this.sql.exec(
      "INSERT INTO shard_feed (tenant, room, idx, count, fed, v) VALUES (?, ?, ?, ?, ?, ?)",
      room.tenant,
      room.room,
      ref.index,
      ref.count,
      fed,
      SHARD_FEED_FORMAT,
    );
    this.state = { ...room, idx: ref.index, count: ref.count, fed };
  }

  /**
   * Moves `fed` on at once and stores it once per run of forwards: forwards handed over back to back
   * (a busy shard) share one write, still inside the same event, so the output gate covers it.
   */
  advance(seq: number): void {
    if (this.state === undefined || seq <= this.state.fed) return;
    this.state.fed = seq;
    if (this.writing) return;
    this.writing = true;
    queueMicrotask(() => {
      this.writing = false;
      if (this.state !== undefined) this.sql.exec("UPDATE shard_feed SET fed = ?", this.state.fed);
    });
  }

  /** Detached: the shard holds no socket and keeps nothing. */
  detach(): void {
    if (this.state === undefined) return;
    this.state = undefined;
    this.sql.exec("DROP TABLE IF EXISTS shard_feed");
  }

  /** The row as read, unless a newer version wrote it: then every use is refused. */
  private get current(): Row | undefined {
    if (this.newer !== undefined) throw this.newer;
    return this.state;
  }

  /** Runs `work` after every earlier delivery has finished, so deliveries never interleave. */
  serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.then(work, work);
    this.chain = next.catch(() => undefined);
    return next;
  }
}
