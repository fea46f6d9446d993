// The room's newest messages, kept in memory beside SQLite as they are recorded. After a blip every
// socket of a room resumes from nearly the same seq at once: each resume read its replay from SQLite
// on its own (two queries merged, every row decoded again; a storm's profile put 1–1.5 ms per
// reconnect there, a quarter of the room's JavaScript). Here one append keeps a message for all of
// them, and a resume whose `since` the tail reaches is answered from it, by the same rules the SQL
// reads apply (who may see it, the count and age bounds); an older `since` goes to SQLite as before.
// The tail starts empty in each object life (it covers only what this life recorded) and is bounded
// in messages and bytes, so an idle room or a room of large messages holds little.
import type { Viewer } from "../../auth/principal.ts";
import { utf8ByteLength } from "../../utf8.ts";
import type { ReadableMessage, StoredMessage } from "./rows.ts";

/**
 * Frames kept at most, in UTF-8 bytes. The rooms an isolate holds share its 128 MB, so this is what
 * a busy room may add to it (a hundred busy rooms: 6.4 MB). A blip's resumes reach back a few
 * seconds: at 5 messages a second of 300 bytes, 64 KiB is the last 40 seconds.
 */
export const RECENT_MAX_BYTES = 64 * 1024;

/** A kept message: what a reader gets, who it is for, when it was recorded and its frame's size. */
type Kept = ReadableMessage & { ts: number; bytes: number; audience: Set<string> | undefined };

/** What bounds a read, as MessageStore's SQL applies them. */
export type ReadBounds = { since: number; upTo: number; oldestTs: number };

export class RecentMessages {
  /** Consecutive seqs from `from` on, oldest first. */
  private kept: Kept[] = [];
  private bytes = 0;
  /** Every message with seq >= from that was recorded is kept (or none was recorded yet). */
  private from: number;
  private readonly maxMessages: number;

  /** `lastSeq`: what is already recorded, which this tail does not hold. */
  constructor(lastSeq: number, maxMessages: number) {
    this.from = lastSeq + 1;
    this.maxMessages = maxMessages;
  }

  /** Keeps a message just recorded (its seq follows the last one's); the oldest go past the bounds. */
  add(m: StoredMessage & { ts: number }): void {
    if (m.seq !== this.from + this.kept.length) this.clear(m.seq);
    const bytes = utf8ByteLength(m.frame);
    const audience = m.audience === undefined ? undefined : new Set(m.audience);
    this.kept.push({ seq: m.seq, frame: m.frame, event: m.event, tags: m.tags, ts: m.ts, bytes, audience });
    this.bytes += bytes;
    let drop = 0;
    while (this.kept.length - drop > this.maxMessages || (this.bytes > RECENT_MAX_BYTES && drop < this.kept.length))
      this.bytes -= this.kept[drop++]?.bytes ?? 0;
    this.dropOldest(drop);
  }

  /** Whether a read after `since` finds every message it may need here. */
  covers(since: number): boolean {
    return since + 1 >= this.from;
  }

  /**
   * Whether the message after `since` is still kept by history's bounds (`oldestSeq` the lowest the
   * count bound keeps), for a `since` this tail covers: then nothing after `since` was pruned.
   */
  follows(since: number, oldestSeq: number, oldestTs: number): boolean {
    const next = this.kept[since + 1 - this.from];
    return next !== undefined && next.seq >= oldestSeq && next.ts >= oldestTs;
  }

  /** The messages `viewer` may see with since < seq <= upTo and ts >= oldestTs, oldest first. */
  read(viewer: Viewer, b: ReadBounds): ReadableMessage[] {
    const out: ReadableMessage[] = [];
    for (let i = Math.max(0, b.since + 1 - this.from); i < this.kept.length; i++) {
      const m = this.kept[i] as Kept;
      if (m.seq > b.upTo) break;
      if (m.ts >= b.oldestTs && visibleTo(viewer, m.audience)) out.push(m);
    }
    return out;
  }

  /** A targeted message reaches more users (see MessageStore.widenAudience). */
  widen(seq: number, subs: readonly string[]): void {
    const audience = this.kept[seq - this.from]?.audience;
    for (const sub of subs) audience?.add(sub);
  }

  /** Drops what history no longer keeps: below `oldestSeq`, or recorded before `oldestTs`. */
  prune(oldestSeq: number, oldestTs: number): void {
    let drop = 0;
    for (const m of this.kept) {
      if (m.seq >= oldestSeq && m.ts >= oldestTs) break;
      this.bytes -= m.bytes;
      drop++;
    }
    this.dropOldest(drop);
  }

  /** Nothing is kept, and nothing before `next` is covered (history was deleted, or starts over). */
  clear(next: number): void {
    this.kept = [];
    this.bytes = 0;
    this.from = next;
  }

  private dropOldest(n: number): void {
    if (n === 0) return;
    this.kept = this.kept.slice(n);
    this.from += n;
  }
}

/** The rule of MessageStore's queries: admins see all, other keys broadcasts, users also what names them. */
function visibleTo(viewer: Viewer, audience: Set<string> | undefined): boolean {
  if (viewer.kind === "admin" || audience === undefined) return true;
  return viewer.kind === "user" && audience.has(viewer.id);
}
