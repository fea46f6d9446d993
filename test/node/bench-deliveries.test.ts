// The load generator's delivery accounting (bench/load/deliveries.ts), fed the bytes the gateway's own
// encoders produce: every message inside a batch frame is one delivery with its own latency, and a
// filtered subscriber's wrong, missing, repeated or reordered messages are each counted.
import { describe, expect, it } from "vitest";
import { DeliveryLog, FrameSink, isBatchFrame, scanMessages } from "../../bench/load/deliveries.ts";
import { publishBody } from "../../bench/load/payloads.ts";
import { encodeBatchFrame, encodeMessageFrame, encodeWelcome, type Tags } from "../../src/wire.ts";

const BASE = 1_000_000;

function payloadOf(i: number): string {
  const body: unknown = JSON.parse(publishBody(i, 0, 256));
  if (typeof body !== "object" || body === null || !("payload" in body)) throw new Error("no payload");
  return JSON.stringify(body.payload);
}

function message(i: number, seq: number, tags?: Tags): string {
  const meta = { id: `m${seq}`, seq, room: "bench-r", event: "g1", sender: { kind: "api_key" as const, id: "bench" } };
  return encodeMessageFrame({ ...meta, ts: 1, ...(tags === undefined ? {} : { tags }) }, payloadOf(i));
}

const frame = (s: string) => Buffer.from(s, "utf8");

function scan(s: string): { i: number; seq: number }[] {
  const found: { i: number; seq: number }[] = [];
  scanMessages(frame(s), (i, seq) => found.push({ i, seq }));
  return found;
}

describe("scanMessages", () => {
  it("finds the one message of a plain frame, with its seq", () => {
    expect(scan(message(BASE + 7, 42))).toEqual([{ i: BASE + 7, seq: 42 }]);
  });

  it("finds every message of a batch frame in order, each with its own seq", () => {
    const batch = encodeBatchFrame([message(BASE, 10), message(BASE + 1, 11), message(BASE + 2, 13)]);
    expect(isBatchFrame(frame(batch))).toBe(true);
    expect(scan(batch)).toEqual([
      { i: BASE, seq: 10 },
      { i: BASE + 1, seq: 11 },
      { i: BASE + 2, seq: 13 },
    ]);
  });

  it("is not fooled by a tag named i, whose value is a string", () => {
    expect(scan(message(BASE + 3, 5, { i: "12", region: "eu" }))).toEqual([{ i: BASE + 3, seq: 5 }]);
  });

  it("finds nothing in a welcome, and no seq in a bare target's frame", () => {
    expect(scan(encodeWelcome({ connectionId: "c", room: "r", user: "u", seq: 9 }))).toEqual([]);
    expect(scan(publishBody(BASE + 1, 0, 256))).toEqual([{ i: BASE + 1, seq: -1 }]);
    expect(isBatchFrame(frame(message(BASE, 1)))).toBe(false);
  });
});

describe("DeliveryLog", () => {
  it("counts each message of a batch frame as one delivery, timed at the frame's receipt", () => {
    const log = new DeliveryLog(1, 3, BASE);
    log.sendTimes.set([100, 110, 120]);
    const sink = new FrameSink();
    sink.current = log;
    log.recordFrame(0, frame(encodeBatchFrame([message(BASE, 1), message(BASE + 1, 2), message(BASE + 2, 3)])), 150);
    expect(log.received).toBe(3);
    expect(Array.from(log.latencies.slice(0, 3))).toEqual([50, 40, 30]);
    expect([log.frames, log.batchFrames, log.batchedMessages]).toEqual([1, 1, 3]);
    expect(log.lost()).toBe(0);
  });

  it("counts a repeat as duplicated and a seq that goes back as out of order", () => {
    const log = new DeliveryLog(2, 3, BASE);
    log.sendTimes.fill(0);
    log.recordFrame(0, frame(message(BASE + 1, 2)), 1);
    log.recordFrame(0, frame(message(BASE, 1)), 2);
    log.recordFrame(0, frame(message(BASE + 1, 2)), 3);
    expect([log.received, log.duplicates, log.outOfOrder]).toEqual([2, 1, 1]);
    // Subscriber 0 misses message 2; subscriber 1 misses all three.
    expect(log.lost()).toBe(4);
  });

  it("expects only what a filter matches, and counts the rest as wrongly delivered, not lost", () => {
    const groups = 5;
    const wants = (s: number, k: number) => s % groups === k % groups;
    const log = new DeliveryLog(10, 10, BASE, wants);
    log.sendTimes.fill(0);
    expect(log.expected).toBe(20);
    log.recordFrame(3, frame(message(BASE + 3, 4)), 1);
    log.recordFrame(3, frame(message(BASE + 4, 5)), 1);
    expect([log.received, log.wrong]).toEqual([1, 1]);
    expect(log.lost()).toBe(19);
  });

  it("leaves frames from another phase as strays", () => {
    const log = new DeliveryLog(1, 2, BASE);
    log.recordFrame(0, frame(message(7, 1)), 1);
    expect([log.received, log.strays]).toEqual([0, 1]);
  });
});
