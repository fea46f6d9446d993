// What a connected client may send, and how the room answers each kind of bad frame.

import { runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import {
  connect,
  freshRoom,
  nextMessage,
  publishHttp,
  roomStubOf,
  type TestSocket,
  WARM_UP_MS,
  warmUp,
} from "../support/gateway.ts";
import { config } from "../support/limits.ts";
import { signToken, uniqueSub } from "../support/tokens.ts";

beforeAll(warmUp, WARM_UP_MS);

const LIMIT = config.maxPayloadBytes;
const BURST = config.clientPublishBurst;
const STRIKES = config.abuseStrikes;

async function member(room = freshRoom(), scope = "subscribe publish"): Promise<TestSocket> {
  return (await connect(room, await signToken({ sub: uniqueSub(), scope }))).socket;
}

/** The ack or error that answers the frame sent with `ref`. */
const answerTo = (socket: TestSocket, ref: string | number) =>
  socket.next((f) => (f.type === "ack" || f.type === "error") && f.ref === ref);

describe("ping", () => {
  it('answers {"type":"ping"} with {"type":"pong"} from the runtime, without the room handling it', async () => {
    const room = freshRoom();
    const socket = await member(room);
    socket.send('{"type":"ping"}');
    expect(await socket.next()).toEqual({ type: "pong" });
    const pinged = await runInDurableObject(roomStubOf(room), (_, state) =>
      state.getWebSockets().map((ws) => state.getWebSocketAutoResponseTimestamp(ws)),
    );
    expect(pinged).toHaveLength(1);
    expect(pinged[0]).toBeInstanceOf(Date);
  });

  it("answers a ping spelled with other spacing with a pong too", async () => {
    const socket = await member();
    socket.send('{ "type" : "ping" }');
    expect(await socket.next()).toEqual({ type: "pong" });
    socket.send({ type: "ping" });
    expect(await socket.next()).toEqual({ type: "pong" });
  });
});

describe("bad frames get an error frame and keep the socket open", () => {
  it("answers a binary frame with unsupported", async () => {
    const socket = await member();
    socket.ws.send(new TextEncoder().encode('{"type":"ping"}'));
    expect(await socket.next()).toMatchObject({ type: "error", code: "unsupported" });
  });

  it("answers text that is not JSON with invalid_json", async () => {
    const socket = await member();
    socket.send("{oops");
    expect(await socket.next()).toMatchObject({ type: "error", code: "invalid_json" });
  });

  it("answers an unknown type or a bad publish with invalid_message, echoing the ref", async () => {
    const socket = await member();
    socket.send({ type: "subscribe", ref: "r1" });
    expect(await socket.next()).toMatchObject({ type: "error", code: "invalid_message", ref: "r1" });
    socket.send({ type: "publish", event: "e".repeat(65), payload: 1, ref: 2 });
    expect(await socket.next()).toMatchObject({ type: "error", code: "invalid_message", ref: 2 });
    socket.send({ type: "publish", event: "e", payload: 1, to: "everyone", ref: "r3" });
    expect(await socket.next()).toMatchObject({ type: "error", code: "invalid_message", ref: "r3" });
  });

  it(`accepts a payload of exactly ${LIMIT} bytes and refuses one byte more with payload_too_large`, async () => {
    const socket = await member();
    const exact = "a".repeat(LIMIT - 2);
    socket.send({ type: "publish", event: "e", payload: exact, ref: "fits" });
    expect(await answerTo(socket, "fits")).toMatchObject({ type: "ack" });
    socket.send({ type: "publish", event: "e", payload: `${exact}a`, ref: "over" });
    expect(await answerTo(socket, "over")).toMatchObject({ type: "error", code: "payload_too_large" });
  });

  it("refuses a payload that is too large only in UTF-8 bytes", async () => {
    const socket = await member();
    socket.send({ type: "publish", event: "e", payload: "€".repeat(LIMIT / 3 + 1), ref: "wide" });
    expect(await answerTo(socket, "wide")).toMatchObject({ type: "error", code: "payload_too_large" });
  });

  it("refuses a frame far over the limit with payload_too_large", async () => {
    const socket = await member();
    socket.send({ type: "publish", event: "e", payload: "a".repeat(4 * LIMIT), ref: "huge" });
    expect(await socket.next()).toMatchObject({ type: "error", code: "payload_too_large" });
  });

  it("refuses a publish from a token without the publish scope with forbidden, and delivers nothing", async () => {
    const room = freshRoom();
    const reader = await member(room, "subscribe");
    reader.send({ type: "publish", event: "sneaky", payload: 1, ref: "no" });
    expect(await answerTo(reader, "no")).toMatchObject({ type: "error", code: "forbidden" });
    await publishHttp(room, await signToken({ sub: uniqueSub(), scope: "publish" }), { event: "marker", payload: 1 });
    expect(await nextMessage(reader)).toMatchObject({ event: "marker", seq: 1 });
  });

  it("stays open after a few bad frames", async () => {
    const socket = await member();
    for (let i = 0; i < 3; i++) socket.send("nope");
    for (let i = 0; i < 3; i++) expect(await socket.next()).toMatchObject({ code: "invalid_json" });
    socket.send({ type: "publish", event: "still-here", payload: 1, ref: "ok" });
    expect(await answerTo(socket, "ok")).toMatchObject({ type: "ack" });
    expect(socket.closed).toBeUndefined();
  });
});

describe("repeated abuse", () => {
  it(`closes the socket with 1008 after more than ${STRIKES} bad frames in the window`, async () => {
    const socket = await member();
    for (let i = 0; i <= STRIKES; i++) socket.send("not json");
    expect((await socket.waitClosed()).code).toBe(1008);
    const errors = socket.frames.filter((f) => f.type === "error" && f.code === "invalid_json");
    expect(errors).toHaveLength(STRIKES + 1);
  });

  it("closes only the abusive socket", async () => {
    const room = freshRoom();
    const abuser = await member(room);
    const bystander = await member(room);
    for (let i = 0; i <= STRIKES; i++) abuser.ws.send(new Uint8Array([i]));
    expect((await abuser.waitClosed()).code).toBe(1008);
    await publishHttp(room, await signToken({ sub: uniqueSub(), scope: "publish" }), { event: "after", payload: 1 });
    expect(await nextMessage(bystander)).toMatchObject({ event: "after" });
    expect(bystander.closed).toBeUndefined();
  });
});

describe("per-connection publish rate", () => {
  it(`acks a burst of ${BURST}, refuses the rest with rate_limited, drops them, and keeps the socket`, async () => {
    const room = freshRoom();
    const sender = await member(room);
    const listener = await member(room, "subscribe");
    // BURST + STRIKES frames: enough to overrun the bucket, too few for the abuse limit to close.
    const total = BURST + STRIKES;
    for (let ref = 1; ref <= total; ref++) sender.send({ type: "publish", event: `n${ref}`, payload: ref, ref });
    const answers = [];
    for (let ref = 1; ref <= total; ref++) answers.push(await answerTo(sender, ref));

    // The bucket starts full, so the first BURST all pass; the rest arrive far faster than it refills.
    expect(answers.slice(0, BURST).map((a) => a.type)).toEqual(Array(BURST).fill("ack"));
    const refused = answers.filter((a) => a.type === "error");
    expect(refused.length).toBeGreaterThan(0);
    for (const a of refused) expect(a.code).toBe("rate_limited");

    // Refused messages were dropped: the listener sees exactly the acked ones, then a marker.
    const acked = answers.filter((a) => a.type === "ack").map((a) => `n${String(a.ref)}`);
    await publishHttp(room, await signToken({ sub: uniqueSub(), scope: "publish" }), { event: "marker", payload: 1 });
    const seen = [];
    for (let i = 0; i <= acked.length; i++) seen.push((await nextMessage(listener)).event);
    expect(seen).toEqual([...acked, "marker"]);

    sender.send('{"type":"ping"}');
    expect(await sender.nextOfType("pong")).toEqual({ type: "pong" });
    expect(sender.closed).toBeUndefined();
  });

  it("keeps a separate bucket for each connection of the same user", async () => {
    const room = freshRoom();
    const sub = uniqueSub();
    const token = await signToken({ sub, scope: "subscribe publish" });
    const first = (await connect(room, token)).socket;
    const second = (await connect(room, token)).socket;
    for (let ref = 1; ref <= BURST; ref++) first.send({ type: "publish", event: "e", payload: ref, ref });
    for (let ref = 1; ref <= BURST; ref++) expect(await answerTo(first, ref)).toMatchObject({ type: "ack" });
    second.send({ type: "publish", event: "e", payload: 0, ref: "fresh" });
    expect(await answerTo(second, "fresh")).toMatchObject({ type: "ack" });
  });
});
