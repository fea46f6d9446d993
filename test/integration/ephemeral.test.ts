// Ephemeral messages (`"ephemeral": true` on any publish): delivered live with the same checks,
// targets and filters as any message, but never numbered, stored, replayed or recorded under an
// idempotency key.
import { beforeAll, describe, expect, it } from "vitest";
import {
  connect,
  errorOf,
  type Frame,
  freshRoom,
  nextMessage,
  postJson,
  publishHttp,
  request,
  roomStubOf,
  WARM_UP_MS,
  warmUp,
} from "../support/gateway.ts";
import { config } from "../support/limits.ts";
import { tablesOf } from "../support/storage.ts";
import { apiKey, signToken, uniqueSub } from "../support/tokens.ts";

beforeAll(warmUp, WARM_UP_MS);

const PUBLISHER = apiKey("pubacme");

async function publish(room: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await postJson(`/v1/rooms/${room}/messages`, PUBLISHER, body, headers);
  expect(res.status).toBe(202);
  return (await res.json()) as Record<string, unknown>;
}

async function history(room: string, query = ""): Promise<{ messages: Frame[]; seq: number }> {
  const res = await request(`/v1/rooms/${room}/messages${query}`, { headers: { "x-api-key": apiKey("adminacme") } });
  expect(res.status).toBe(200);
  return (await res.json()) as { messages: Frame[]; seq: number };
}

const reader = async (room: string, query = "") =>
  (await connect(room, await signToken({ sub: uniqueSub("reader") }), query)).socket;

describe("an ephemeral publish over HTTP", () => {
  it("answers with its id and `ephemeral` instead of a seq, and sockets get a message frame without seq", async () => {
    const room = freshRoom();
    const socket = await reader(room);
    const answer = await publish(room, {
      event: "typing",
      payload: { on: true },
      tags: { who: "ann" },
      ephemeral: true,
    });
    expect(answer).toEqual({ id: expect.any(String), ephemeral: true, delivered: 1 });
    const frame = await nextMessage(socket);
    expect(frame).toEqual({
      type: "message",
      ephemeral: true,
      id: answer.id,
      room,
      event: "typing",
      tags: { who: "ann" },
      payload: { on: true },
      sender: { kind: "api_key", id: "pubacme" },
      ts: expect.any(Number),
    });
    expect(frame).not.toHaveProperty("seq");
  });

  it("takes no seq, is absent from history and from a resume's replay", async () => {
    const room = freshRoom();
    await publish(room, { event: "live", payload: 1, ephemeral: true });
    const stored = await publish(room, { event: "kept", payload: 2 });
    await publish(room, { event: "live", payload: 3, ephemeral: true });
    expect(stored.seq).toBe(1);
    const page = await history(room);
    expect(page.seq).toBe(1);
    expect(page.messages.map((m) => m.event)).toEqual(["kept"]);
    const { socket, welcome } = await connect(room, await signToken({ sub: uniqueSub("late") }), "?since=0");
    expect(welcome).toMatchObject({ seq: 1, recovered: true });
    expect((await nextMessage(socket)).event).toBe("kept");
    await publish(room, { event: "marker", payload: null });
    expect((await nextMessage(socket)).event).toBe("marker");
  });

  it("keeps no idempotency record: the same key delivers again, and the room stores nothing for it", async () => {
    const room = freshRoom();
    const socket = await reader(room);
    const body = { event: "cursor", payload: { x: 1 }, ephemeral: true };
    const first = await postJson(`/v1/rooms/${room}/messages`, PUBLISHER, body, { "idempotency-key": "k1" });
    const again = await postJson(`/v1/rooms/${room}/messages`, PUBLISHER, body, { "idempotency-key": "k1" });
    expect(again.headers.get("idempotent-replayed")).toBeNull();
    const [a, b] = [(await first.json()) as { id: string }, (await again.json()) as { id: string }];
    expect(a.id).not.toBe(b.id);
    expect((await nextMessage(socket)).id).toBe(a.id);
    expect((await nextMessage(socket)).id).toBe(b.id);
    expect(await tablesOf(roomStubOf(room))).not.toContain("idempotency");
    expect(await tablesOf(roomStubOf(room))).not.toContain("messages");
  });

  it("is held to the same validation and size limits as any publish", async () => {
    const room = freshRoom();
    const bad = await publishHttp(room, PUBLISHER, { event: "e", payload: 1, ephemeral: "yes" });
    expect(await errorOf(bad)).toMatchObject({ status: 400, code: "invalid_body" });
    const big = { event: "e", payload: "x".repeat(config.maxPayloadBytes), ephemeral: true };
    expect(await errorOf(await publishHttp(room, PUBLISHER, big))).toMatchObject({ status: 413 });
    const noEvent = await publishHttp(room, PUBLISHER, { payload: 1, ephemeral: true });
    expect(await errorOf(noEvent)).toMatchObject({ status: 400, code: "invalid_body" });
  });

  it("reaches only its targets and the sockets whose filter takes it", async () => {
    const room = freshRoom();
    const ann = await connect(room, await signToken({ sub: "ann" }), "?events=typing");
    const bob = await connect(room, await signToken({ sub: "bob" }), "?events=chat");
    const cid = await connect(room, await signToken({ sub: "cid" }));
    const answer = await publish(room, { event: "typing", payload: 1, to: { users: ["ann", "bob"] }, ephemeral: true });
    expect(answer.delivered).toBe(1);
    expect((await nextMessage(ann.socket)).ephemeral).toBe(true);
    await publish(room, { event: "chat", payload: "m" });
    expect((await nextMessage(bob.socket)).event).toBe("chat");
    expect((await nextMessage(cid.socket)).event).toBe("chat");
  });
});

describe("a batch with ephemeral messages", () => {
  it("numbers only the stored ones, consecutively, and delivers all in order", async () => {
    const room = freshRoom();
    const socket = await reader(room);
    const res = await postJson(`/v1/rooms/${room}/messages/batch`, PUBLISHER, {
      messages: [
        { event: "a", payload: 1 },
        { event: "b", payload: 2, ephemeral: true },
        { event: "c", payload: 3 },
      ],
    });
    expect(res.status).toBe(202);
    const { messages } = (await res.json()) as { messages: Record<string, unknown>[] };
    expect(messages.map((m) => m.seq ?? "live")).toEqual([1, "live", 2]);
    expect(messages[1]).toMatchObject({ ephemeral: true, delivered: 1 });
    const got = [await nextMessage(socket), await nextMessage(socket), await nextMessage(socket)];
    expect(got.map((m) => `${m.event}:${m.seq ?? "live"}`)).toEqual(["a:1", "b:live", "c:2"]);
    expect((await history(room)).messages.map((m) => m.event)).toEqual(["a", "c"]);
  });
});

describe("an ephemeral publish frame", () => {
  it("is acknowledged without a seq, reaches the others live, and never enters the room's history", async () => {
    const room = freshRoom();
    const other = await reader(room);
    const { socket } = await connect(room, await signToken({ sub: uniqueSub("w"), scope: "subscribe publish" }));
    socket.send({ type: "publish", event: "typing", payload: true, ref: 7, key: "k", ephemeral: true });
    const ack = await socket.nextOfType("ack");
    expect(ack).toEqual({ type: "ack", ref: 7, id: expect.any(String), ephemeral: true, delivered: 2 });
    expect(await nextMessage(other)).toMatchObject({ id: ack.id, ephemeral: true, event: "typing" });
    expect((await history(room)).messages).toEqual([]);
    expect(await tablesOf(roomStubOf(room))).not.toContain("idempotency");
  });
});
