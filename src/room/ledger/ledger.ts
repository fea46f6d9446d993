// The room's book, kept by the room object (the coordinator when sharded): it numbers, stamps and
// records every message, answers keyed publishes once, and reads history back for pages, resumes
// and shards filling a gap. One writer and no await, so `seq` increases by one per message and
// nothing interleaves.

import type { Viewer } from "../../auth/principal.ts";
import type { Config } from "../../config.ts";
import { type Filter, matchesFilter } from "../../filter.ts";
import type { HistoryQuery, IdempotencyRef, PublishOutcome, PublishRequest, PublishResult } from "../../protocol.ts";
import { encodeHistoryPage, encodeMessageFrame } from "../../wire.ts";
import { canRecover, type Page, replayOf, takePage } from "./history.ts";
import { IdempotencyStore } from "./idempotency.ts";
import { MessageStore, type StoredMessage } from "./message-store.ts";

const DEFAULT_HISTORY_LIMIT = 100;
/**
 * Rows a history page may look at beyond its limit: a filter that refuses them all ends the page
 * (empty, with `next`) here instead of scanning the whole room.
 */
export const PAGE_SCAN_ROWS = 256;

/** A page of what a shard missed: whole rows, audiences included, for live delivery. */
export type MissedPage = Page<StoredMessage>;
/** A message as numbered and encoded, ready for delivery. */
export type Recorded = { id: string; seq: number; ts: number; frame: string };
/** What a resuming client is sent after its welcome: every message it missed, or nothing. */
export type Replay = { recovered: boolean; frames: string[] };

export class Ledger {
  private readonly storage: DurableObjectStorage;
  private readonly messages: MessageStore;
  /** Answers of keyed publishes, kept for the history's age bound and pruned with it. */
  private readonly keys: IdempotencyStore;
  private readonly pageBytes: number;

  constructor(storage: DurableObjectStorage, config: Config) {
    this.storage = storage;
    this.messages = new MessageStore(storage, {
      maxMessages: config.historyMaxMessages,
      maxAgeMs: config.historyMaxAgeMs,
    });
    // A room that stored its tenant's own history age keeps it for its idempotency records too.
    this.keys = new IdempotencyStore(storage.sql, this.messages.maxAgeMs);
    this.pageBytes = config.historyPageMaxBytes;
  }

  /** How long messages and idempotency records are kept: the tenant's historyMaxAgeSeconds, else the global one. */
  get maxAgeMs(): number {
    return this.messages.maxAgeMs;
  }

  /**
   * The tenant's own history age, or undefined for the global one: reads follow it at once. When
   * the age changed, answers when the oldest stored record now falls out of it (undefined: nothing
   * stored, or the age is the same and the alarm set when the record was stored still holds), for
   * the alarm that deletes it. Terms come again with every note a stored room sends its tenant.
   */
  setMaxAge(ms: number | undefined): number | undefined {
    if (this.messages.newer !== undefined) return undefined;
    const before = this.messages.maxAgeMs;
    this.messages.setMaxAge(ms);
    this.keys.maxAgeMs = this.messages.maxAgeMs;
    return this.messages.maxAgeMs === before ? undefined : this.nextExpiry();
  }

  lastSeq(): number {
    return this.open().lastSeq();
  }

  /** Runs `publish` once per idempotency key (see IdempotencyStore.once). */
  once(ref: IdempotencyRef | undefined, now: number, publish: () => Promise<PublishResult[]>): Promise<PublishOutcome> {
    this.open();
    return this.keys.once(ref, now, publish);
  }

  /**
   * Numbers, stamps and records one message: the one place a message enters the room's history.
   * `audience` is who a targeted message is for, as far as it is known now (undefined for a
   * broadcast), so replay and history show it to no one else.
   */
  record(req: PublishRequest, audience: string[] | undefined, now: number): Recorded {
    const seq = this.open().nextSeq();
    const id = crypto.randomUUID();
    const { event, tags } = req;
    const frame = encodeMessageFrame(
      { id, seq, room: req.room, event, tags, sender: req.sender, ts: now },
      req.payloadJson,
    );
    this.open().append({ seq, ts: now, frame, audience, event, tags, exclude: req.exclude?.connections });
    return { id, seq, ts: now, frame };
  }

  /** Adds users to a targeted message's audience once the shards have told who it reached. */
  widenAudience(seq: number, subs: readonly string[]): void {
    this.open().widenAudience(seq, subs);
  }

  /** One page of history over HTTP, as JSON text, frames exactly as they were sent. */
  page(query: HistoryQuery, viewer: Viewer, filter: Filter | undefined, now: number): string {
    const rows = this.open().read(viewer, query.since ?? 0, now);
    const limit = query.limit ?? DEFAULT_HISTORY_LIMIT;
    const bounds = { limit, maxBytes: this.pageBytes, maxScanned: Math.max(limit, PAGE_SCAN_ROWS) };
    const page = takePage(rows, (m) => matchesFilter(filter, m), bounds);
    return encodeHistoryPage(
      page.messages.map((m) => m.frame),
      this.lastSeq(),
      page.next,
    );
  }

  /**
   * A resume from `since` up to `upTo` (the seq the client's welcome names). A replay larger than
   * one history page is not sent at all: the client pages over HTTP instead.
   */
  replay(since: number, upTo: number, user: string, filter: Filter | undefined, now: number): Replay {
    if (!this.recoverable(since, upTo, now)) return { recovered: false, frames: [] };
    const rows = this.open().replayRead({ kind: "user", id: user }, since, now, upTo);
    const frames = replayOf(rows, (m) => matchesFilter(filter, m), this.pageBytes);
    return frames === undefined ? { recovered: false, frames: [] } : { recovered: true, frames };
  }

  /** Messages with `after` < seq < `before`, a page at a time, for a shard filling a gap. */
  missed(after: number, before: number, now: number): MissedPage {
    const bounds = { limit: Number.POSITIVE_INFINITY, maxBytes: this.pageBytes, maxScanned: Number.POSITIVE_INFINITY };
    return takePage(this.open().scan(after, now, before - 1), () => true, bounds);
  }

  /** Deletes what the age bound no longer keeps at `now`: messages and idempotency records. */
  expire(now: number): void {
    this.open().expire(now);
    this.keys.expire(now);
  }

  /**
   * When the oldest stored message or idempotency record falls out of the age bound, or undefined
   * when neither is stored: then the room may delete its storage.
   */
  nextExpiry(): number | undefined {
    const messages = this.open().nextExpiry();
    const keys = this.keys.nextExpiry();
    return messages === undefined || keys === undefined ? (messages ?? keys) : Math.min(messages, keys);
  }

  /** Deletes the history and idempotency records of a deleted tenant's room; the counter goes on. */
  purge(): void {
    this.open().purge();
    this.keys.purge();
  }

  /**
   * Forgets everything, the sequence counter and any alarm included: the room starts over as if new.
   * Answers whether it had stored messages.
   */
  async clear(): Promise<boolean> {
    const stored = this.open().stored;
    await this.storage.deleteAll();
    this.messages.forget();
    this.keys.forget();
    return stored;
  }

  /** Whether nothing after `since` is pruned (canRecover), from the newest messages in memory when they reach back. */
  private recoverable(since: number, upTo: number, now: number): boolean {
    const store = this.open();
    if (since >= upTo) return canRecover(since, upTo, undefined);
    return store.followsRecent(since, now) ?? canRecover(since, upTo, store.oldestSeq(now));
  }

  /** The room's history, unless a newer gateway version wrote it: then every use is refused. */
  private open(): MessageStore {
    if (this.messages.newer !== undefined) throw this.messages.newer;
    return this.messages;
  }
}
