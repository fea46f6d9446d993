// Coalesced delivery: a `?batch=1` socket may get several consecutive messages in one batch frame,
// each element exactly the message frame a v1 socket gets, in seq order; a v1 socket in the same
// room gets v1 frames, byte for byte; an idle room delays nothing.
import { beforeAll, describe, expect, it } from "vitest";
import { connect, type Frame, freshRoom, publishHttp, request, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { apiKey, signToken, uniqueSub } from "../support/tokens.ts";
import { waitFor } from "../support/wait.ts";

beforeAll(warmUp, WARM_UP_MS);

/** A socket that keeps every frame as the raw text it arrived as. */
async function rawSocket(room: string, query: string) {
  const res = await request(`/v1/rooms/${room}/ws${query}`, {
    headers: { upgrade: "websocket", authorization: `Bearer ${await signToken({ sub: uniqueSub("raw") })}` },
  });
  const ws = res.webSocket;
  if (ws === null) throw new Error(`upgrade failed: ${res.status}`);
  ws.accept();
  const frames: string[] = [];
  ws.addEventListener("message", (e) => frames.push(String(e.data)));
  return frames;
}

/** Every message a socket got, batch frames unpacked, as the exact JSON text of each message frame. */
function unpack(raw: string[]): string[] {
  const out: string[] = [];
  for (const text of raw) {
    const f = JSON.parse(text) as Frame;
    if (f.type === "message") out.push(text);
    else if (f.type === "batch") for (const m of f.messages as Frame[]) out.push(JSON.stringify(m));
  }
  return out;
}

const UNTIL_MS = 5_000;
const until = (what: string, done: () => boolean) => waitFor(what, done, UNTIL_MS, 10);

describe("coalesced delivery", () => {
  it("sends a batch publish to a batch socket in one batch frame, and to a v1 socket as the same frames one by one", async () => {
    const room = freshRoom();
    const batch = await rawSocket(room, "?batch=1");
    const v1 = await rawSocket(room, "");
    const messages = Array.from({ length: 20 }, (_, i) => ({ event: "b", payload: { i } }));
    const res = await request(`/v1/rooms/${room}/messages/batch`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": apiKey("pubacme") },
      body: JSON.stringify({ messages }),
    });
    expect(res.status).toBe(202);
    await until("20 messages on each socket", () => unpack(batch).length === 20 && unpack(v1).length === 20);
    const batchFrames = batch.filter((t) => (JSON.parse(t) as Frame).type === "batch");
    expect(batchFrames).toHaveLength(1);
    expect(v1.filter((t) => (JSON.parse(t) as Frame).type === "message")).toHaveLength(20);
    expect(unpack(batch)).toEqual(unpack(v1));
    expect(unpack(v1).map((t) => (JSON.parse(t) as Frame).seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it("sends an idle room's single message as a plain message frame, batch socket or not", async () => {
    const room = freshRoom();
    const batch = await rawSocket(room, "?batch=1");
    expect((await publishHttp(room, apiKey("pubacme"), { event: "alone", payload: 1 })).status).toBe(202);
    await until("the lone message", () => batch.some((t) => t.includes('"alone"')));
    expect((JSON.parse(batch.find((t) => t.includes('"alone"')) ?? "{}") as Frame).type).toBe("message");
  });

  it("keeps every message once and in seq order for both kinds under concurrent publishes", async () => {
    const room = freshRoom();
    const batch = await rawSocket(room, "?batch=1");
    const v1 = await rawSocket(room, "");
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => publishHttp(room, apiKey("pubacme"), { event: "c", payload: i })),
    );
    expect(answers.every((r) => r.status === 202)).toBe(true);
    await until("60 messages on each socket", () => unpack(batch).length === 60 && unpack(v1).length === 60);
    const seqs = (frames: string[]) => unpack(frames).map((t) => (JSON.parse(t) as Frame).seq);
    expect(seqs(batch)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(unpack(batch)).toEqual(unpack(v1));
    expect(v1.every((t) => (JSON.parse(t) as Frame).type !== "batch")).toBe(true);
  });

  it("acks a batch socket's own publish after the message reached it", async () => {
    const room = freshRoom();
    const { socket } = await connect(
      room,
      await signToken({ sub: uniqueSub("pub"), scope: "subscribe publish" }),
      "?batch=1",
    );
    for (let i = 0; i < 5; i++) socket.send({ type: "publish", event: "own", payload: i, ref: i });
    const order: string[] = [];
    while (order.filter((o) => o.startsWith("ack")).length < 5) {
      const f = await socket.next((x) => x.type === "ack" || x.type === "message" || x.type === "batch");
      if (f.type === "ack") order.push(`ack${f.ref}`);
      else for (const m of f.type === "batch" ? (f.messages as Frame[]) : [f]) order.push(`msg${m.payload}`);
    }
    for (let i = 0; i < 5; i++) expect(order.indexOf(`msg${i}`)).toBeLessThan(order.indexOf(`ack${i}`));
  });

  it("replays a resume to a batch socket in batch frames", async () => {
    const room = freshRoom();
    await request(`/v1/rooms/${room}/messages/batch`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": apiKey("pubacme") },
      body: JSON.stringify({ messages: Array.from({ length: 5 }, (_, i) => ({ event: "r", payload: i })) }),
    });
    const raw = await rawSocket(room, "?batch=1&since=1");
    await until("the 4 replayed messages", () => unpack(raw).length === 4);
    expect(raw.map((t) => (JSON.parse(t) as Frame).type)).toEqual(["welcome", "batch"]);
  });
});
