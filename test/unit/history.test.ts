import { describe, expect, it } from "vitest";
import { canRecover, encodeHistoryPage, visibleTo } from "../../src/room/history.ts";
import type { StoredMessage } from "../../src/room/room-store.ts";

const message = (audience?: string[]): StoredMessage => ({ seq: 1, frame: "{}", audience });

describe("visibleTo", () => {
  it("shows a broadcast to every user", () => {
    expect(visibleTo(message(), "alice")).toBe(true);
  });

  it("shows a targeted message to its audience only", () => {
    expect(visibleTo(message(["alice", "bob"]), "bob")).toBe(true);
    expect(visibleTo(message(["alice", "bob"]), "carol")).toBe(false);
  });

  it("shows a message targeted at nobody to no user", () => {
    expect(visibleTo(message([]), "alice")).toBe(false);
  });

  it("shows every message to an API key (no viewer)", () => {
    expect(visibleTo(message(["alice"]), undefined)).toBe(true);
    expect(visibleTo(message([]), undefined)).toBe(true);
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

describe("encodeHistoryPage", () => {
  it("embeds the stored frames verbatim, in order, with the last seq", () => {
    const frames = ['{"type":"message","seq":1}', '{"type":"message","seq":2}'];
    const page = encodeHistoryPage(frames, 5);
    expect(page).toBe('{"messages":[{"type":"message","seq":1},{"type":"message","seq":2}],"seq":5}');
    expect(JSON.parse(page)).toEqual({
      messages: [
        { type: "message", seq: 1 },
        { type: "message", seq: 2 },
      ],
      seq: 5,
    });
  });

  it("encodes an empty page as valid JSON", () => {
    expect(JSON.parse(encodeHistoryPage([], 0))).toEqual({ messages: [], seq: 0 });
  });
});
