import { describe, expect, it } from "vitest";
import type { Viewer } from "../../src/auth/principal.ts";
import { canRecover, type Page, readableBy, replayOf, takePage, visibleTo } from "../../src/room/ledger/history.ts";
import type { StoredMessage } from "../../src/room/ledger/message-store.ts";
import { encodeHistoryPage } from "../../src/wire.ts";

const message = (audience?: string[]): StoredMessage => ({
  seq: 1,
  frame: "{}",
  audience,
  event: "e",
  tags: undefined,
});

const alice: Viewer = { kind: "user", id: "alice" };
const bob: Viewer = { kind: "user", id: "bob" };
const carol: Viewer = { kind: "user", id: "carol" };

describe("visibleTo", () => {
  it("shows a broadcast to every viewer", () => {
    for (const v of [alice, { kind: "admin" }, { kind: "broadcasts" }] as Viewer[])
      expect(visibleTo(message(), v)).toBe(true);
  });

  it("shows a targeted message to its audience only", () => {
    expect(visibleTo(message(["alice", "bob"]), bob)).toBe(true);
    expect(visibleTo(message(["alice", "bob"]), carol)).toBe(false);
  });

  it("shows a message targeted at nobody to no user", () => {
    expect(visibleTo(message([]), alice)).toBe(false);
  });

  it("shows every message to an admin key", () => {
    expect(visibleTo(message(["alice"]), { kind: "admin" })).toBe(true);
    expect(visibleTo(message([]), { kind: "admin" })).toBe(true);
  });

  it("shows a key without admin scope broadcasts only", () => {
    expect(visibleTo(message(["alice"]), { kind: "broadcasts" })).toBe(false);
  });
});

describe("readableBy", () => {
  const tagged = (event: string, audience?: string[]): StoredMessage => ({
    ...message(audience),
    event,
    tags: { region: "eu" },
  });

  it("passes what the viewer may see when there is no filter", () => {
    expect(readableBy(alice, undefined)(tagged("order.paid"))).toBe(true);
    expect(readableBy(bob, undefined)(tagged("order.paid", ["alice"]))).toBe(false);
  });

  it("narrows what the viewer may see to what the filter matches", () => {
    const orders = { events: { exact: [], prefixes: ["order."] }, tags: { region: ["eu"] } };
    expect(readableBy(alice, orders)(tagged("order.paid"))).toBe(true);
    expect(readableBy(alice, orders)(tagged("user.joined"))).toBe(false);
    expect(readableBy(bob, orders)(tagged("order.paid", ["alice"]))).toBe(false);
  });
});

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

const rows = (sizes: number[], audience?: string[]): StoredMessage[] =>
  sizes.map((n, i) => ({ seq: i + 1, frame: "x".repeat(n), audience, event: "e", tags: undefined }));
const all = () => true;
const framesOf = (p: Page) => ({ frames: p.messages.map((m) => m.frame), next: p.next });

describe("takePage", () => {
  it("stops at the limit and names the since of the next page", () => {
    expect(framesOf(takePage(rows([1, 1, 1]), all, 2, 1_000))).toEqual({ frames: ["x", "x"], next: 2 });
  });

  it("stops at the byte budget, counting the commas between frames", () => {
    // 4 + 1 + 4 = 9 bytes fit a budget of 9; a third frame would need 14.
    expect(framesOf(takePage(rows([4, 4, 4]), all, 100, 9))).toEqual({ frames: ["xxxx", "xxxx"], next: 2 });
    expect(takePage(rows([4, 4, 4]), all, 100, 8).messages).toHaveLength(1);
  });

  it("always takes the first message, even one larger than the budget", () => {
    expect(framesOf(takePage(rows([50, 1]), all, 100, 10))).toEqual({ frames: ["x".repeat(50)], next: 1 });
  });

  it("has no next when everything fit", () => {
    expect(framesOf(takePage(rows([1, 1]), all, 2, 100))).toEqual({ frames: ["x", "x"], next: undefined });
  });

  it("skips what the viewer may not see and has no next when only such messages remain", () => {
    const mixed = [...rows([1]), { seq: 2, frame: "y", audience: ["bob"], event: "e", tags: undefined }];
    expect(framesOf(takePage(mixed, (m) => visibleTo(m, alice), 1, 100))).toEqual({ frames: ["x"], next: undefined });
  });

  it("stops reading rows at the first visible message that does not fit", () => {
    let read = 0;
    function* counted() {
      for (const r of rows([1, 1, 1, 1, 1])) {
        read++;
        yield r;
      }
    }
    takePage(counted(), all, 2, 100);
    expect(read).toBe(3);
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
