import { describe, expect, it } from "vitest";
import {
  canRecover,
  mergeBySeq,
  type Page,
  type PageBounds,
  replayOf,
  takePage,
} from "../../src/room/ledger/history.ts";
import type { StoredMessage } from "../../src/room/ledger/message-store.ts";
import { encodeHistoryPage } from "../../src/wire.ts";

describe("canRecover", () => {
  it("recovers a client that is already current, even with nothing retained", () => {
    expect(canRecover(7, 7, undefined)).toBe(true);
  });

  it("recovers when the oldest retained message directly follows since", () => {
    expect(canRecover(4, 9, 5)).toBe(true);
    expect(canRecover(4, 9, 2)).toBe(true);
  });

  it("does not recover when messages after since were pruned", () => {
    expect(canRecover(4, 9, 6)).toBe(false);
  });

  it("does not recover when nothing is retained but the room moved on", () => {
    expect(canRecover(4, 9, undefined)).toBe(false);
  });

  it("does not recover a since from the future (another room's seq, or a reset room)", () => {
    expect(canRecover(10, 9, 1)).toBe(false);
  });
});

const rows = (sizes: number[]): StoredMessage[] =>
  sizes.map((n, i) => ({ seq: i + 1, frame: "x".repeat(n), audience: undefined, event: "e", tags: undefined }));
const all = () => true;
const framesOf = (p: Page<StoredMessage>) => ({ frames: p.messages.map((m) => m.frame), next: p.next });
const within = (limit: number, maxBytes: number, maxScanned = Number.POSITIVE_INFINITY): PageBounds => ({
  limit,
  maxBytes,
  maxScanned,
});

describe("takePage", () => {
  it("stops at the limit and names the since of the next page", () => {
    expect(framesOf(takePage(rows([1, 1, 1]), all, within(2, 1_000)))).toEqual({ frames: ["x", "x"], next: 2 });
  });

  it("stops at the byte budget, counting the commas between frames", () => {
    // 4 + 1 + 4 = 9 bytes fit a budget of 9; a third frame would need 14.
    expect(framesOf(takePage(rows([4, 4, 4]), all, within(100, 9)))).toEqual({ frames: ["xxxx", "xxxx"], next: 2 });
    expect(takePage(rows([4, 4, 4]), all, within(100, 8)).messages).toHaveLength(1);
  });

  it("always takes the first message, even one larger than the budget", () => {
    expect(framesOf(takePage(rows([50, 1]), all, within(100, 10)))).toEqual({ frames: ["x".repeat(50)], next: 1 });
  });

  it("has no next when everything fit", () => {
    expect(framesOf(takePage(rows([1, 1]), all, within(2, 100)))).toEqual({ frames: ["x", "x"], next: undefined });
  });

  it("skips what it does not keep and has no next when only such messages remain", () => {
    const mixed = [...rows([1]), { seq: 2, frame: "y", audience: undefined, event: "other", tags: undefined }];
    expect(framesOf(takePage(mixed, (m) => m.event === "e", within(1, 100)))).toEqual({
      frames: ["x"],
      next: undefined,
    });
  });

  it("ends after looking at maxScanned rows, naming the last one looked at as next", () => {
    const none = () => false;
    expect(framesOf(takePage(rows([1, 1, 1, 1]), none, within(1, 100, 3)))).toEqual({ frames: [], next: 3 });
    expect(framesOf(takePage(rows([1, 1, 1]), none, within(1, 100, 3)))).toEqual({ frames: [], next: undefined });
  });

  it("names the last row looked at as next when the limit ends the page after skipped rows", () => {
    const odd = (m: StoredMessage) => m.seq % 2 === 1;
    expect(framesOf(takePage(rows([1, 1, 1, 1, 1]), odd, within(2, 100)))).toEqual({ frames: ["x", "x"], next: 4 });
  });

  it("stops reading rows at the first visible message that does not fit", () => {
    let read = 0;
    function* counted() {
      for (const r of rows([1, 1, 1, 1, 1])) {
        read++;
        yield r;
      }
    }
    takePage(counted(), all, within(2, 100));
    expect(read).toBe(3);
  });
});

describe("mergeBySeq", () => {
  it("merges two ordered runs into one, lazily", () => {
    const seqs = (...s: number[]) => s.map((seq) => ({ seq }));
    expect([...mergeBySeq(seqs(1, 4, 5), seqs(2, 3, 9))].map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 9]);
    expect([...mergeBySeq(seqs(), seqs(2))].map((m) => m.seq)).toEqual([2]);
    expect([...mergeBySeq(seqs(1), seqs())].map((m) => m.seq)).toEqual([1]);
  });
});

describe("replayOf", () => {
  it("replays everything that fits in one page", () => {
    expect(replayOf(rows([3, 3]), all, 7)).toEqual(["xxx", "xxx"]);
  });

  it("replays nothing when the replay would exceed one page", () => {
    expect(replayOf(rows([3, 3, 3]), all, 7)).toBeUndefined();
  });
});

describe("encodeHistoryPage", () => {
  it("embeds the stored frames verbatim, in order, with the last seq", () => {
    const frames = ['{"type":"message","seq":1}', '{"type":"message","seq":2}'];
    const page = encodeHistoryPage(frames, 5, undefined);
    expect(page).toBe('{"messages":[{"type":"message","seq":1},{"type":"message","seq":2}],"seq":5}');
  });

  it("adds next only when there is one", () => {
    expect(JSON.parse(encodeHistoryPage(['{"a":1}'], 9, 1))).toEqual({ messages: [{ a: 1 }], seq: 9, next: 1 });
  });

  it("encodes an empty page as valid JSON", () => {
    expect(JSON.parse(encodeHistoryPage([], 0, undefined))).toEqual({ messages: [], seq: 0 });
  });
});
