// Resume and history rules, pure: what a reader may see, how much one read may hold, and whether a
// resume is complete.
import type { Viewer } from "../../auth/principal.ts";
import { type Filter, matchesFilter } from "../../filter.ts";
import { utf8ByteLength } from "../../utf8.ts";
import type { StoredMessage } from "./message-store.ts";

export function visibleTo(m: StoredMessage, viewer: Viewer): boolean {
  if (m.audience === undefined || viewer.kind === "admin") return true;
  return viewer.kind === "user" && m.audience.includes(viewer.id);
}

/** What a reader gets from history or a replay: what it may see, narrowed by its filter. */
export function readableBy(viewer: Viewer, filter: Filter | undefined): (m: StoredMessage) => boolean {
  return (m) => visibleTo(m, viewer) && matchesFilter(filter, m);
}

/** Messages for one read, and the `since` of the next read when more visible messages remain. */
export type Page = { messages: StoredMessage[]; next: number | undefined };

/**
 * Takes visible messages, oldest first, until `limit` of them or `maxBytes` of frames (commas
 * counted; the first message always fits, so every page makes progress). Stops reading `rows` at
 * the first visible message that does not fit: nothing past one page is ever held.
 */
export function takePage(
  rows: Iterable<StoredMessage>,
  visible: (m: StoredMessage) => boolean,
  limit: number,
  maxBytes: number,
): Page {
  const messages: StoredMessage[] = [];
  let bytes = 0;
  let last = 0;
  for (const m of rows) {
    if (!visible(m)) continue;
    const size = utf8ByteLength(m.frame) + (messages.length > 0 ? 1 : 0);
    if (messages.length >= limit || (messages.length > 0 && bytes + size > maxBytes)) return { messages, next: last };
    messages.push(m);
    bytes += size;
    last = m.seq;
  }
  return { messages, next: undefined };
}

/** A resume's replay when it fits in one page; undefined when the client must page over HTTP instead. */
export function replayOf(
  rows: Iterable<StoredMessage>,
  visible: (m: StoredMessage) => boolean,
  maxBytes: number,
): string[] | undefined {
  const page = takePage(rows, visible, Number.POSITIVE_INFINITY, maxBytes);
  return page.next === undefined ? page.messages.map((m) => m.frame) : undefined;
}

/**
 * A resume from `since` is complete when nothing after it has been pruned: either the client is
 * already current, or the oldest retained message directly follows `since`.
 */
export function canRecover(since: number, lastSeq: number, oldestRetained: number | undefined): boolean {
  if (since > lastSeq) return false;
  if (since === lastSeq) return true;
  return oldestRetained !== undefined && oldestRetained <= since + 1;
}
