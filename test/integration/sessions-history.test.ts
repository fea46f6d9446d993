import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MessageStore } from "../../src/room/ledger/message-store.ts";
import type { Room } from "../../src/room/room.ts";
import { connect, type Frame, freshRoom, publishHttp, request, roomStubOf } from "../support/gateway.ts";
import { apiKey, signToken } from "../support/tokens.ts";

/** `n` messages published inside the room object itself (its RPC), without the Worker. */
const publishInRoom = (room: string, n: number, event = "e") =>
  runInDurableObject(roomStubOf(room), async (instance: Room) => {
    for (let i = 0; i < n; i++)
      await instance.publish([{ room, sender: { kind: "api_key", id: "t" }, event, payloadJson: String(i) }]);
  });

/** A message as the store records it: a broadcast without tags. */
const stored = (seq: number, ts: number, frame: string) => ({
  seq,
  ts,
  frame,
  audience: undefined,
  event: "e",
  tags: undefined,
});

async function messagesUntil(socket: Awaited<ReturnType<typeof connect>>["socket"], lastSeq: number): Promise<Frame[]> {
  const got: Frame[] = [];
  for (;;) {
    const m = await socket.nextOfType("message");
    got.push(m);
    if (m.seq === lastSeq) return got;
  }
}

describe("history bounds", () => {
  it("keeps only the newest messages by count", async () => {
    await runInDurableObject(roomStubOf(freshRoom()), (_i, state) => {
      const store = new MessageStore(state.storage, { maxMessages: 3, maxAgeMs: 60_000 });
      for (let i = 0; i < 5; i++) store.append(stored(store.nextSeq(), 1_000 + i, `{"n":${i}}`));
      expect([...store.scan(0, 1_010)].map((m) => m.seq)).toEqual([3, 4, 5]);
      expect(store.oldestSeq(1_010)).toBe(3);
    });
  });

  it("forgets messages older than the age bound, even before they are pruned", async () => {
    await runInDurableObject(roomStubOf(freshRoom()), (_i, state) => {
      const store = new MessageStore(state.storage, { maxMessages: 100, maxAgeMs: 1_000 });
      store.append(stored(store.nextSeq(), 10_000, "{}"));
      store.append(stored(store.nextSeq(), 10_500, "{}"));
      store.append(stored(store.nextSeq(), 11_200, "{}"));
      expect([...store.scan(0, 11_400)].map((m) => m.seq)).toEqual([2, 3]);
      expect([...store.scan(0, 11_600)].map((m) => m.seq)).toEqual([3]);
      expect(store.oldestSeq(11_400)).toBe(2);
    });
  });

  it("keeps the sequence counter when history is pruned away", async () => {
    await runInDurableObject(roomStubOf(freshRoom()), (_i, state) => {
      const store = new MessageStore(state.storage, { maxMessages: 1, maxAgeMs: 1 });
      store.append(stored(store.nextSeq(), 1, "{}"));
      store.append(stored(store.nextSeq(), 5_000, "{}"));
      expect(new MessageStore(state.storage, { maxMessages: 1, maxAgeMs: 1 }).lastSeq()).toBe(2);
    });
  });
});

describe("resume with since", () => {
  it("replays every missed message in order, then continues live with no gap or duplicate", async () => {
    const room = freshRoom();
    await publishInRoom(room, 5);
    const token = await signToken({ sub: "resumer" });
    // Publishes race the reconnect: some land before the welcome, some after.
    const racing = publishInRoom(room, 20, "race");
    const { socket, welcome } = await connect(room, token, "?since=2");
    await racing;
    expect(welcome.recovered).toBe(true);
    const got = await messagesUntil(socket, 25);
    expect(got.map((m) => m.seq)).toEqual(Array.from({ length: 23 }, (_, i) => i + 3));
  });

  it("accepts since in the subprotocol list", async () => {
    const room = freshRoom();
    await publishInRoom(room, 3);
    const token = await signToken({ sub: "browser" });
    const res = await request(`/v1/rooms/${room}/ws`, {
      headers: { upgrade: "websocket", "sec-websocket-protocol": `broadcast.v1, bearer.${token}, since.1` },
    });
    expect(res.status).toBe(101);
    expect(res.headers.get("sec-websocket-protocol")).toBe("broadcast.v1");
    const ws = res.webSocket;
    if (ws === null) throw new Error("no socket");
    ws.accept();
    const frames: Frame[] = [];
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`got ${JSON.stringify(frames)}`)), 2000);
      ws.addEventListener("message", (e) => {
        frames.push(JSON.parse(e.data as string) as Frame);
        if (frames.length === 3) {
          clearTimeout(t);
          resolve();
        }
      });
    });
    expect(frames.map((f) => [f.type, f.seq])).toEqual([
      ["welcome", 3],
      ["message", 2],
      ["message", 3],
    ]);
    expect(frames[0]?.recovered).toBe(true);
  });

  it("says recovered:false when history no longer reaches back", async () => {
    const room = freshRoom();
    await publishInRoom(room, 1_001);
    const { socket, welcome } = await connect(room, await signToken({ sub: "late" }), "?since=0");
    expect(welcome).toMatchObject({ seq: 1_001, recovered: false });
    await publishHttp(room, apiKey("pubacme"), { event: "live", payload: null });
    // Nothing was replayed: the first message is the live one.
    expect((await socket.nextOfType("message")).seq).toBe(1_002);
  });

  it("says recovered:true when the client is already current", async () => {
    const room = freshRoom();
    await publishInRoom(room, 2);
    const { welcome } = await connect(room, await signToken({ sub: "current" }), "?since=2");
    expect(welcome).toMatchObject({ seq: 2, recovered: true });
  });

  it("omits recovered when the client did not ask to resume", async () => {
    const { welcome } = await connect(freshRoom(), await signToken({ sub: "fresh" }));
    expect(welcome).not.toHaveProperty("recovered");
  });

  it("refuses a malformed since", async () => {
    const token = await signToken({ sub: "badsince" });
    const res = await request(`/v1/rooms/${freshRoom()}/ws?since=abc`, {
      headers: { upgrade: "websocket", authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: "invalid_query" } });
  });

  it("replays targeted messages only to their targets", async () => {
    const room = freshRoom();
    const key = apiKey("pubacme");
    await publishHttp(room, key, { event: "all", payload: 1 });
    await publishHttp(room, key, { event: "for-dave", payload: 2, to: { users: ["dave"] } });
    await publishHttp(room, key, { event: "all", payload: 3 });
    const dave = await connect(room, await signToken({ sub: "dave" }), "?since=0");
    const erin = await connect(room, await signToken({ sub: "erin" }), "?since=0");
    expect((await messagesUntil(dave.socket, 3)).map((m) => m.seq)).toEqual([1, 2, 3]);
    expect((await messagesUntil(erin.socket, 3)).map((m) => m.seq)).toEqual([1, 3]);
  });
});

describe("GET /v1/rooms/{room}/messages", () => {
  it("returns frames as sent, oldest first, with the room's last seq", async () => {
    const room = freshRoom();
    const key = apiKey("pubacme");
    const { socket } = await connect(room, await signToken({ sub: "watcher" }));
    for (const n of [1, 2, 3]) await publishHttp(room, key, { event: "n", payload: { n } });
    const live = [
      await socket.nextOfType("message"),
      await socket.nextOfType("message"),
      await socket.nextOfType("message"),
    ];
    const res = await request(`/v1/rooms/${room}/messages?since=1&limit=10`, {
      headers: { authorization: `Bearer ${apiKey("presacme")}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ messages: live.slice(1), seq: 3 });
  });

  it("limits the page and shows a user only what they could have received", async () => {
    const room = freshRoom();
    const key = apiKey("pubacme");
    await publishHttp(room, key, { event: "secret", payload: 0, to: { users: ["frank"] } });
    for (let i = 0; i < 4; i++) await publishHttp(room, key, { event: "all", payload: i });
    const token = await signToken({ sub: "grace" });
    const res = await request(`/v1/rooms/${room}/messages?limit=2`, { headers: { authorization: `Bearer ${token}` } });
    const page = (await res.json()) as { messages: Frame[]; seq: number };
    expect(page.messages.map((m) => m.seq)).toEqual([2, 3]);
    expect(page.seq).toBe(5);
  });

  it("refuses a publish-only key and a bad limit", async () => {
    const room = freshRoom();
    const forbidden = await request(`/v1/rooms/${room}/messages`, { headers: { "x-api-key": apiKey("pubacme") } });
    expect(forbidden.status).toBe(403);
    const bad = await request(`/v1/rooms/${room}/messages?limit=0`, { headers: { "x-api-key": apiKey("adminacme") } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: "invalid_query" } });
  });

  it("survives eviction of the room object", async () => {
    const room = freshRoom();
    await publishInRoom(room, 3);
    const { evictDurableObject } = await import("cloudflare:test");
    await evictDurableObject(roomStubOf(room));
    const res = await request(`/v1/rooms/${room}/messages`, { headers: { "x-api-key": apiKey("adminacme") } });
    const page = (await res.json()) as { messages: Frame[]; seq: number };
    expect(page.messages.map((m) => m.seq)).toEqual([1, 2, 3]);
  });
});
