// Filters and coalesced delivery in a room over 4 shards (batch frames of at most 8 messages here):
// each shard matches its own sockets' filters, batch sockets on any shard get every message once
// and in order, and a gap filled from history respects filters too.
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { Room } from "../../src/room/room.ts";
import {
  connect,
  type Frame,
  freshRoom,
  publishHttp,
  request,
  type TestSocket,
  WARM_UP_MS,
  warmUp,
} from "../support/gateway.ts";
import { config } from "../support/limits.ts";
import { apiKey, signToken } from "../support/tokens.ts";
import { shardStub, subOnShard, subsOnEveryShard } from "./support.ts";

beforeAll(warmUp, WARM_UP_MS);
afterEach(() => vi.restoreAllMocks());

const publishBatch = async (room: string, messages: unknown[]) => {
  const res = await request(`/v1/rooms/${room}/messages/batch`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": apiKey("pubacme") },
    body: JSON.stringify({ messages }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { messages: { seq: number; delivered: number }[] }).messages;
};

/** Messages in arrival order, batch frames unpacked; also how many frames carried them, and the largest. */
async function receive(socket: TestSocket, n: number): Promise<{ messages: Frame[]; frames: number; largest: number }> {
  const messages: Frame[] = [];
  let frames = 0;
  let largest = 0;
  while (messages.length < n) {
    const f = await socket.next((x) => x.type === "message" || x.type === "batch");
    const carried = f.type === "batch" ? (f.messages as Frame[]) : [f];
    frames++;
    largest = Math.max(largest, carried.length);
    messages.push(...carried);
  }
  return { messages, frames, largest };
}

describe("filters across shards", () => {
  it("deliver each socket only what its filter matches, on every shard, and count only those", async () => {
    const room = freshRoom();
    const paid: TestSocket[] = [];
    for (const sub of subsOnEveryShard("paid"))
      paid.push((await connect(room, await signToken({ sub }), "?events=order.paid")).socket);
    const all: TestSocket[] = [];
    for (const sub of subsOnEveryShard("all")) all.push((await connect(room, await signToken({ sub }))).socket);
    const answers = await publishBatch(room, [
      { event: "order.paid", payload: 1 },
      { event: "order.refunded", payload: 2 },
      { event: "order.paid", payload: 3 },
    ]);
    expect(answers.map((a) => a.delivered)).toEqual([8, 4, 8]);
    for (const s of paid) expect((await receive(s, 2)).messages.map((m) => m.payload)).toEqual([1, 3]);
    for (const s of all) expect((await receive(s, 3)).messages.map((m) => m.payload)).toEqual([1, 2, 3]);
  });

  it("replay only matching messages to a socket resuming on a shard", async () => {
    const room = freshRoom();
    await publishBatch(room, [
      { event: "a", payload: 1 },
      { event: "b", payload: 2 },
      { event: "a", payload: 3 },
    ]);
    const { socket, welcome } = await connect(room, await signToken({ sub: subOnShard(2, "r") }), "?since=0&events=a");
    expect(welcome).toMatchObject({ seq: 3, recovered: true });
    expect((await receive(socket, 2)).messages.map((m) => m.seq)).toEqual([1, 3]);
  });

  it("apply to messages a shard fills from history after a lost forward", async () => {
    const room = freshRoom();
    const sub = subOnShard(1, "gap");
    const { socket } = await connect(room, await signToken({ sub }), "?events=wanted");
    const target = shardStub(room, 1).id;
    const feed = Room.prototype.feed;
    let dropped = 0;
    vi.spyOn(console, "log").mockImplementation(() => {});
    vi.spyOn(Room.prototype, "feed").mockImplementation(async function (this: Room, f) {
      const state: DurableObjectState = Reflect.get(this, "ctx");
      if (state.id.equals(target) && dropped++ < 4) throw new Error("network connection lost");
      return feed.call(this, f);
    });
    await publishHttp(room, apiKey("pubacme"), { event: "unwanted", payload: 1 });
    await publishHttp(room, apiKey("pubacme"), { event: "wanted", payload: 2 });
    vi.restoreAllMocks();
    await publishHttp(room, apiKey("pubacme"), { event: "wanted", payload: 3 });
    expect((await receive(socket, 2)).messages.map((m) => m.payload)).toEqual([2, 3]);
  });
});

describe("coalesced delivery across shards", () => {
  it(`gives batch sockets on every shard every message once, in seq order, in frames of at most ${config.batchMaxMessages}`, async () => {
    const room = freshRoom();
    const batch: TestSocket[] = [];
    for (const sub of subsOnEveryShard("b"))
      batch.push((await connect(room, await signToken({ sub }), "?batch=1")).socket);
    const v1 = (await connect(room, await signToken({ sub: subOnShard(0, "v1") }))).socket;
    await publishBatch(
      room,
      Array.from({ length: 20 }, (_, i) => ({ event: "n", payload: i })),
    );
    const want = Array.from({ length: 20 }, (_, i) => i + 1);
    for (const s of batch) {
      const { messages, largest } = await receive(s, 20);
      expect(messages.map((m) => m.seq)).toEqual(want);
      expect(largest).toBeLessThanOrEqual(config.batchMaxMessages);
    }
    const plain = await receive(v1, 20);
    expect(plain.frames).toBe(20);
    expect(plain.messages.map((m) => m.seq)).toEqual(want);
  });

  it("hands each shard a batch publish in one call, targeted messages only to their users' shards", async () => {
    const room = freshRoom();
    const everyone: TestSocket[] = [];
    for (const sub of subsOnEveryShard("e")) everyone.push((await connect(room, await signToken({ sub }))).socket);
    const target = subOnShard(3, "t");
    const targeted = (await connect(room, await signToken({ sub: target }))).socket;
    const calls: number[] = [];
    const feed = Room.prototype.feed;
    vi.spyOn(Room.prototype, "feed").mockImplementation(async function (this: Room, run) {
      calls.push(run.length);
      return feed.call(this, run);
    });
    const answers = await publishBatch(room, [
      { event: "n", payload: 1 },
      { event: "n", payload: 2, to: { users: [target] } },
      { event: "n", payload: 3 },
    ]);
    // Four shards, one call each: shard 3 carries all three, the others the two broadcasts.
    expect(calls.sort()).toEqual([2, 2, 2, 3]);
    expect(answers.map((a) => a.delivered)).toEqual([5, 1, 5]);
    for (const s of everyone) expect((await receive(s, 2)).messages.map((m) => m.payload)).toEqual([1, 3]);
    expect((await receive(targeted, 3)).messages.map((m) => m.payload)).toEqual([1, 2, 3]);
  });
});
