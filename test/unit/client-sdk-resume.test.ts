import { describe, expect, it } from "vitest";
import { applyWelcome, isNewMessage } from "../../src/client/resume.ts";

describe("applyWelcome", () => {
  it("starts a first connection at the room's present", () => {
    expect(applyWelcome(undefined, { seq: 41 })).toEqual({ lastSeq: 41 });
  });

  it("keeps the last seen seq when the gateway recovered, so the replay that follows is delivered", () => {
    expect(applyWelcome(10, { seq: 15, recovered: true })).toEqual({ lastSeq: 10 });
  });

  it("asks for a resync from the last seen seq to the room's seq when history does not reach back", () => {
    expect(applyWelcome(10, { seq: 5000, recovered: false })).toEqual({
      lastSeq: 5000,
      resync: { reason: "history_gap", from: 10, to: 5000 },
    });
  });

  it("treats a room whose numbering went backwards as reset, so new messages are not dropped as duplicates", () => {
    expect(applyWelcome(900, { seq: 3, recovered: true })).toEqual({
      lastSeq: 3,
      resync: { reason: "seq_reset", from: 900, to: 3 },
    });
  });

  it("asks for a resync when the gateway ignored the resume point", () => {
    expect(applyWelcome(10, { seq: 12 })).toEqual({ lastSeq: 12, resync: { reason: "not_resumed", from: 10, to: 12 } });
  });

  it("needs nothing when nothing happened in between, whatever recovered says", () => {
    expect(applyWelcome(10, { seq: 10 })).toEqual({ lastSeq: 10 });
    expect(applyWelcome(10, { seq: 10, recovered: false })).toEqual({ lastSeq: 10 });
  });
});

describe("isNewMessage", () => {
  it("accepts anything after the last seen seq, gaps included (targeted messages skip clients)", () => {
    expect(isNewMessage(10, 11)).toBe(true);
    expect(isNewMessage(10, 25)).toBe(true);
    expect(isNewMessage(undefined, 1)).toBe(true);
  });

  it("drops replayed duplicates at or below the last seen seq", () => {
    expect(isNewMessage(10, 10)).toBe(false);
    expect(isNewMessage(10, 3)).toBe(false);
  });
});
