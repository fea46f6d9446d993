// The room's book, kept by the room object (the coordinator when sharded): it numbers, stamps and
// records every message, and reads history back for pages, resumes and shards filling a gap. One
// writer and no await, so `seq` increases by one per message and nothing interleaves.
import type { Config } from "../../config.ts";
import type { Filter } from "../../filter.ts";
import type { HistoryQuery, PublishRequest } from "../../protocol.ts";
import { encodeHistoryPage, encodeMessageFrame } from "../../wire.ts";
import { canRecover, type Page, readableBy, replayOf, takePage, type Viewer } from "./history.ts";
import { RoomStore } from "./message-store.ts";

const DEFAULT_HISTORY_LIMIT = 100;

/** A message as numbered and encoded, ready for delivery. */
export type Recorded = { id: string; seq: number; ts: number; frame: string };
/** What a resuming client is sent after its welcome: every message it missed, or nothing. */
export type Replay = { recovered: boolean; frames: string[] };

export class Ledger {
  readonly store: RoomStore;
  private readonly pageBytes: number;

  constructor(storage: DurableObjectStorage, config: Config) {
    this.store = new RoomStore(storage, { maxMessages: config.historyMaxMessages, maxAgeMs: config.historyMaxAgeMs });
    this.pageBytes = config.historyPageMaxBytes;
  }

  lastSeq(): number {
    return this.store.lastSeq();
  }

  /**
   * Numbers, stamps and records one message. `audience` is who a targeted message is for, as far as
   * it is known now (undefined for a broadcast), so replay and history show it to no one else.
   */
  record(req: PublishRequest, audience: string[] | undefined, now: number): Recorded {
    const seq = this.store.nextSeq();
    const id = crypto.randomUUID();
    const { event, tags } = req;
    const frame = encodeMessageFrame(
      { id, seq, room: req.room, event, tags, sender: req.sender, ts: now },
      req.payloadJson,
    );
    this.store.append({ seq, ts: now, frame, audience, event, tags });
    return { id, seq, ts: now, frame };
  }

  /** One page of history over HTTP, as JSON text, frames exactly as they were sent. */
  page(query: HistoryQuery, viewer: Viewer, filter: Filter | undefined, now: number): string {
    const rows = this.store.scan(query.since ?? 0, now);
    const limit = query.limit ?? DEFAULT_HISTORY_LIMIT;
    const page = takePage(rows, readableBy(viewer, filter), limit, this.pageBytes);
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
  replay(since: number, upTo: number, sub: string, filter: Filter | undefined, now: number): Replay {
    if (!canRecover(since, upTo, this.store.oldestSeq(now))) return { recovered: false, frames: [] };
    const readable = readableBy({ kind: "user", sub }, filter);
    const frames = replayOf(this.store.scan(since, now, upTo), readable, this.pageBytes);
    return frames === undefined ? { recovered: false, frames: [] } : { recovered: true, frames };
  }

  /** Messages with `after` < seq < `before`, a page at a time, for a shard filling a gap. */
  missed(after: number, before: number, now: number): Page {
    return takePage(this.store.scan(after, now, before - 1), () => true, Number.POSITIVE_INFINITY, this.pageBytes);
  }
}
