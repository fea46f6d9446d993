// Ephemeral messages in the SDK: their own event, never a gap, never a move of the resume point,
// inside a batch frame as well as alone; an ephemeral publish carries no key and resolves with an
// ack that has no seq.
import { describe, expect, it } from "vitest";
import type { EphemeralFrame } from "../../src/client/index.ts";
import { connected, nextSocket, start, useBench } from "./client-sdk-bench.ts";
import { messageFrame } from "./client-sdk-fakes.ts";

useBench();

const ephemeralFrame = (payload: unknown) => {
  const { seq: _seq, ...rest } = messageFrame(0, payload);
  return { ...rest, ephemeral: true, event: "typing" };
};

describe("ephemeral messages in the SDK", () => {
  it("emits them as `ephemeral`, not `message`, and leaves the last seq and the resume point alone", async () => {
    const h = start();
    const live: EphemeralFrame[] = [];
    const resyncs: unknown[] = [];
    h.client.on("ephemeral", (m) => live.push(m));
    h.client.on("resync", (r) => resyncs.push(r));
    const socket = await connected(h, 3);
    socket.receive(ephemeralFrame("a"));
    socket.message(4);
    socket.receive({ type: "batch", messages: [ephemeralFrame("b"), messageFrame(5), ephemeralFrame("c")] });
    expect(live.map((m) => m.payload)).toEqual(["a", "b", "c"]);
    expect(h.payloads).toEqual([4, 5]);
    expect(h.client.lastSeq).toBe(5);
    expect(h.errors).toEqual([]);
    socket.serverClose(1006);
    const next = await nextSocket();
    expect(next.protocols).toContain("since.5");
    next.welcome(5, { recovered: true });
    expect(resyncs).toEqual([]);
  });

  it("refuses a frame that claims to be ephemeral and still carries a seq, as malformed", async () => {
    const h = start();
    const socket = await connected(h, 0);
    socket.receive({ ...messageFrame(1), ephemeral: true });
    expect(h.errors.map((e) => e.code)).toEqual(["invalid_frame"]);
    expect(h.payloads).toEqual([]);
  });

  it("publishes with `ephemeral: true` and no key, and resolves with the ack's id and delivered count", async () => {
    const h = start();
    const socket = await connected(h);
    const ack = h.client.publish("typing", { on: true }, { ephemeral: true });
    expect(socket.sentFrames()[0]).toEqual({
      type: "publish",
      event: "typing",
      payload: { on: true },
      ref: 1,
      ephemeral: true,
    });
    socket.receive({ type: "ack", ref: 1, id: "e1", ephemeral: true, delivered: 3 });
    await expect(ack).resolves.toEqual({ id: "e1", ephemeral: true, delivered: 3 });
  });
});
