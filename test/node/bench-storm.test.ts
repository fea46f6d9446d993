// The reconnect storm's bookkeeping (bench/load/storm-tracker.ts), fed the frames the gateway's own
// encoders produce and those of the bare DO with resume: a socket counts as resumed only once it
// holds every message up to the seq its new welcome named, and whatever its two connections got
// twice or never is counted by the delivery log.
import { describe, expect, it } from "vitest";
import { DeliveryLog } from "../../bench/load/deliveries.ts";
import { publishBody } from "../../bench/load/payloads.ts";
import { StormSink } from "../../bench/load/storm-tracker.ts";
import { encodeMessageFrame, encodeWelcome } from "../../src/wire.ts";

const BASE = 1_000_000;

function gatewayMessage(k: number, seq: number): Buffer {
  const payload: unknown = JSON.parse(publishBody(BASE + k, 0, 64));
  if (typeof payload !== "object" || payload === null || !("payload" in payload)) throw new Error("no payload");
  const meta = { id: `m${seq}`, seq, room: "r", event: "bench", sender: { kind: "api_key" as const, id: "k" } };
  return Buffer.from(encodeMessageFrame({ ...meta, ts: 1 }, JSON.stringify(payload.payload)));
}

const welcome = (seq: number, recovered?: boolean) =>
  Buffer.from(
    encodeWelcome({ connectionId: "c", room: "r", user: "u", seq, ...(recovered === undefined ? {} : { recovered }) }),
  );

/** A sink over two sockets and four messages, the storm armed. */
function storm(): { sink: StormSink; log: DeliveryLog } {
  const sink = new StormSink(2);
  const log = new DeliveryLog(2, 4, BASE);
  log.sendTimes.fill(0);
  sink.current = log;
  return { sink, log };
}

describe("StormTracker", () => {
  it("ignores the first connections' welcomes, made before the drop", () => {
    const { sink } = storm();
    sink.onFrame(0, welcome(0));
    expect(Number.isNaN(sink.tracker.welcomedAt[0] ?? 0)).toBe(true);
  });

  it("resumes a socket when the replay reaches its welcome's seq, not before", () => {
    const { sink, log } = storm();
    sink.onFrame(0, gatewayMessage(0, 1));
    sink.tracker.armed = true;
    sink.onFrame(0, welcome(3, true));
    expect(sink.tracker.resumed).toBe(0);
    sink.onFrame(0, gatewayMessage(1, 2));
    expect(sink.tracker.resumed).toBe(0);
    sink.onFrame(0, gatewayMessage(2, 3));
    expect(sink.tracker.resumed).toBe(1);
    expect(sink.tracker.resumedAt[0]).toBeGreaterThanOrEqual(sink.tracker.welcomedAt[0] ?? Number.NaN);
    // Socket 1 never came back: its three missing messages count only when it is counted.
    expect([log.lost(3), log.lost(3, (k) => k === 0), log.duplicates]).toEqual([3, 0, 0]);
  });

  it("resumes at once a socket that missed nothing, and counts what came twice across the seam", () => {
    const { sink, log } = storm();
    sink.onFrame(1, gatewayMessage(0, 1));
    sink.tracker.armed = true;
    sink.onFrame(1, welcome(1, true));
    expect(sink.tracker.resumed).toBe(1);
    sink.onFrame(1, gatewayMessage(0, 1));
    expect(log.duplicates).toBe(1);
  });

  it("counts a welcome that says history no longer reaches back", () => {
    const { sink } = storm();
    sink.tracker.armed = true;
    sink.onFrame(0, welcome(9, false));
    expect(sink.tracker.notRecovered).toBe(1);
  });

  it("reads the bare DO's resume frames: its welcome, and each message's seq", () => {
    const { sink, log } = storm();
    sink.tracker.armed = true;
    sink.onFrame(0, Buffer.from('{"type":"welcome","seq":2}'));
    for (const [k, seq] of [
      [0, 1],
      [1, 2],
    ] as const)
      sink.onFrame(0, Buffer.from(`{"seq":${seq},"message":${publishBody(BASE + k, 0, 64)}}`));
    expect([sink.tracker.resumed, log.seqOf(0), log.received]).toEqual([1, 2, 2]);
  });
});
