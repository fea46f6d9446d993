import { describe, expect, it } from "vitest";
import { batchFrames, planFrames } from "../../src/room/delivery/frame-plan.ts";

const frame = (seq: number, pad = "") => JSON.stringify({ type: "message", seq, pad });
const limits = { maxMessages: 100, maxBytes: 1_000_000 };

describe("planFrames", () => {
  const frames = [frame(1), frame(2), frame(3)];
  const batch = new Set(["b1", "b2", "b3"]);
  const isBatch = (s: string) => batch.has(s);

  it("sends a socket without ?batch=1 every message on its own, in order, byte for byte", () => {
    const plan = planFrames(frames, [["v1"], ["v1"], ["v1"]], isBatch, limits);
    expect(plan.get("v1")).toEqual(frames);
  });

  it("sends a batch socket its messages in one batch frame, elements exactly the message frames", () => {
    const plan = planFrames(frames, [["b1"], ["b1"], ["b1"]], isBatch, limits);
    const [only, ...rest] = plan.get("b1") ?? [];
    expect(rest).toEqual([]);
    expect(only).toBe(JSON.stringify({ type: "batch", messages: frames.map((f) => JSON.parse(f)) }));
  });

  it("gives each batch socket only the messages it is a recipient of", () => {
    const plan = planFrames(frames, [["b1", "b2"], ["b2"], ["b1", "b2"]], isBatch, limits);
    expect(JSON.parse(plan.get("b1")?.[0] ?? "").messages.map((m: { seq: number }) => m.seq)).toEqual([1, 3]);
    expect(JSON.parse(plan.get("b2")?.[0] ?? "").messages.map((m: { seq: number }) => m.seq)).toEqual([1, 2, 3]);
  });

  it("encodes one batch once for every socket that receives exactly the same messages", () => {
    const plan = planFrames(
      frames,
      [
        ["b1", "b2", "b3"],
        ["b1", "b2", "b3"],
        ["b1", "b2", "b3"],
      ],
      isBatch,
      limits,
    );
    expect(plan.get("b1")).toBe(plan.get("b2"));
    expect(plan.get("b2")).toBe(plan.get("b3"));
  });

  it("sends a batch socket a single message as a plain message frame", () => {
    expect(planFrames([frame(9)], [["b1"]], isBatch, limits).get("b1")).toEqual([frame(9)]);
  });

  it("mixes both kinds in one room without either changing the other's frames", () => {
    const plan = planFrames(
      frames,
      [
        ["v1", "b1"],
        ["v1", "b1"],
        ["v1", "b1"],
      ],
      isBatch,
      limits,
    );
    expect(plan.get("v1")).toEqual(frames);
    expect(plan.get("b1")).toHaveLength(1);
  });
});

describe("batchFrames", () => {
  it("cuts at the message count limit", () => {
    const out = batchFrames(
      Array.from({ length: 25 }, (_, i) => frame(i)),
      { maxMessages: 10, maxBytes: 1_000_000 },
    );
    expect(out.map((b) => JSON.parse(b).messages.length)).toEqual([10, 10, 5]);
  });

  it("cuts at the byte limit, and a last message left alone goes as itself", () => {
    const big = Array.from({ length: 3 }, (_, i) => frame(i, "x".repeat(400)));
    const out = batchFrames(big, { maxMessages: 100, maxBytes: 1_000 });
    expect(out).toHaveLength(2);
    expect(JSON.parse(out[0] ?? "").messages).toHaveLength(2);
    expect(out[1]).toBe(big[2]);
  });

  it("lets a message larger than the byte limit through, alone", () => {
    const huge = frame(1, "y".repeat(2_000));
    expect(batchFrames([huge, frame(2)], { maxMessages: 100, maxBytes: 1_000 })).toEqual([huge, frame(2)]);
  });
});
