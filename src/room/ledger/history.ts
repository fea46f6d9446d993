// Resume and history rules, pure: how much one read may hold and scan, and whether a resume is
// complete. Who may see what is decided in SQL (MessageStore.read), so no read touches a row
// meant for others.
import { utf8ByteLength } from "../../utf8.ts";

/** `bytes`: the frame's UTF-8 size when already known (the newest messages kept in memory know it). */
type Sequenced = { seq: number; frame: string; bytes?: number };

/** Messages for one read, and the `since` of the next read when more visible messages remain. */
export type Page<M extends Sequenced> = { messages: M[]; next: number | undefined };

/** How much one read may take and look at. */
export type PageBounds = {
  limit: number;
  maxBytes: number;
  /** Rows it may look at, kept or not: past it the page ends, and `next` says where to go on. */
  maxScanned: number;
};

/**
 * Takes the rows `keep` accepts, oldest first, until `limit` of them, `maxBytes` of frames (commas
 * counted; the first message always fits, so every page makes progress) or `maxScanned` rows looked
 * at. Stops reading `rows` at the first row past those bounds: nothing past one page is held.
 */
export function takePage<M extends Sequenced>(rows: Iterable<M>, keep: (m: M) => boolean, bounds: PageBounds): Page<M> {
  const messages: M[] = [];
  let bytes = 0;
  let scanned = 0;
  /** The last row looked at and done with: the next read starts after it. */
  let last = 0;
  for (const m of rows) {
    if (scanned >= bounds.maxScanned) return { messages, next: last };
    scanned++;
    if (keep(m)) {
      const size = (m.bytes ?? utf8ByteLength(m.frame)) + (messages.length > 0 ? 1 : 0);
      if (messages.length >= bounds.limit || (messages.length > 0 && bytes + size > bounds.maxBytes))
        return { messages, next: last };
      messages.push(m);
      bytes += size;
    }
    last = m.seq;
  }
  return { messages, next: undefined };
}

/** A resume's replay when it fits in one page; undefined when the client must page over HTTP instead. */
export function replayOf<M extends Sequenced>(
  rows: Iterable<M>,
  keep: (m: M) => boolean,
  maxBytes: number,
): string[] | undefined {
  const page = takePage(rows, keep, {
    limit: Number.POSITIVE_INFINITY,
    maxBytes,
    maxScanned: Number.POSITIVE_INFINITY,
  });
  return page.next === undefined ? page.messages.map((m) => m.frame) : undefined;
}

/** Two runs of messages, each in seq order and without a seq in common, as one run in seq order; lazily. */
export function* mergeBySeq<M extends { seq: number }>(a: Iterable<M>, b: Iterable<M>): Generator<M> {
  const left = a[Symbol.iterator]();
  const right = b[Symbol.iterator]();
  let l = left.next();
  let r = right.next();
  while (!l.done || !r.done) {
    if (r.done || (!l.done && l.value.seq < r.value.seq)) {
      yield l.value as M;
      l = left.next();
    } else {
      yield r.value;
      r = right.next();
    }
  }
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
