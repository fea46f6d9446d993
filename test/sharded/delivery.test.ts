// A room over 4 shards: one seq for the room, every message once and in order on every shard, and
// targeted delivery that touches only the shards holding its targets.
import { beforeAll, describe, expect, it } from "vitest";
import {
  type Frame,
  freshRoom,
  join,
  type Member,
  nextMessage,
  publishHttp,
  request,
  type TestSocket,
  WARM_UP_MS,
  warmUp,
} from "../support/gateway.ts";
import { apiKey, signToken } from "../support/tokens.ts";
import { SHARDS, subOnShard, subsOnEveryShard } from "./support.ts";

beforeAll(warmUp, WARM_UP_MS);

/** Two members on every shard. */
async function crowd(room: string): Promise<Member[]> {
  const members: Member[] = [];
  for (const sub of [...subsOnEveryShard("a"), ...subsOnEveryShard("b")]) members.push(await join(room, sub));
  return members;
}

const publish = async (room: string, body: unknown) => {
  const res = await publishHttp(room, apiKey("pubacme"), body);
  expect(res.status).toBe(202);
  return (await res.json()) as { id: string; seq: number; delivered: number };
};

async function messages(socket: TestSocket, n: number): Promise<Frame[]> {
  const got: Frame[] = [];
  for (let i = 0; i < n; i++) got.push(await nextMessage(socket));
  return got;
}

describe("a sharded room", () => {
  it("numbers every message once for the room and delivers each to every socket on every shard, in order", async () => {
    const room = freshRoom();
    const members = await crowd(room);
    const answers = [];
    for (let i = 0; i < 20; i++) answers.push(await publish(room, { event: `e${i}`, payload: i }));
    expect(answers.map((a) => a.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(answers.every((a) => a.delivered === members.length)).toBe(true);
    for (const m of members)
      expect((await messages(m.socket, 20)).map((f) => f.seq)).toEqual(answers.map((a) => a.seq));
  });

  it("gives concurrent publishes consecutive seqs and the same order on every shard", async () => {
    const room = freshRoom();
    const members = await crowd(room);
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => publish(room, { event: "c", payload: i })));
    expect(answers.map((a) => a.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    const orders = [];
    for (const m of members) orders.push((await messages(m.socket, 30)).map((f) => `${f.seq}:${f.payload}`));
    for (const order of orders) expect(order).toEqual(orders[0]);
  });

  it("reaches a targeted user's sockets only, and nobody on the other shards", async () => {
    const room = freshRoom();
    const members = await crowd(room);
    const target = members[1] as Member;
    const answer = await publish(room, { event: "secret", payload: 1, to: { users: [target.sub] } });
    expect(answer.delivered).toBe(1);
    await publish(room, { event: "marker", payload: 2 });
    for (const m of members) {
      const first = await nextMessage(m.socket);
      expect(first.event, m.sub).toBe(m === target ? "secret" : "marker");
    }
  });

  it("reaches targeted connections by id on their shards and leaves out excluded ones", async () => {
    const room = freshRoom();
    const sub = subOnShard(2, "twice");
    const one = await join(room, sub);
    const two = await join(room, sub);
    const other = await join(room, subOnShard(3, "other"));
    expect(one.connectionId).toMatch(/^2\./);
    const toTwo = await publish(room, {
      event: "one-conn",
      payload: 1,
      to: { connections: [one.connectionId, other.connectionId] },
    });
    expect(toTwo.delivered).toBe(2);
    const excluded = await publish(room, {
      event: "all-but",
      payload: 2,
      exclude: { connections: [one.connectionId] },
    });
    expect(excluded.delivered).toBe(2);
    expect((await messages(one.socket, 1)).map((f) => f.event)).toEqual(["one-conn"]);
    expect((await messages(two.socket, 1)).map((f) => f.event)).toEqual(["all-but"]);
    expect((await messages(other.socket, 2)).map((f) => f.event)).toEqual(["one-conn", "all-but"]);
  });

  it("shows a connection-targeted message in history to that connection's user, and to no one else", async () => {
    const room = freshRoom();
    const target = await join(room, subOnShard(1, "owner"));
    await join(room, subOnShard(0, "bystander"));
    await publish(room, { event: "for-connection", payload: 1, to: { connections: [target.connectionId] } });
    const read = async (sub: string) => {
      const res = await request(`/v1/rooms/${room}/messages`, {
        headers: { authorization: `Bearer ${await signToken({ sub })}` },
      });
      return ((await res.json()) as { messages: Frame[] }).messages.map((m) => m.event);
    };
    expect(await read(target.sub)).toEqual(["for-connection"]);
    expect(await read("someone-else")).toEqual([]);
  });

  it("acks a WebSocket publish from any shard with the room's seq, after the message reached its own sender", async () => {
    const room = freshRoom();
    const members = await crowd(room);
    const publishers = members.slice(0, SHARDS);
    for (const [i, m] of publishers.entries()) {
      m.socket.send({ type: "publish", event: "ws", payload: i, ref: `r${i}` });
      const first = await m.socket.next((f) => (f.type === "message" && f.payload === i) || f.type === "ack");
      expect(first).toMatchObject({ type: "message", seq: i + 1 });
      expect(await m.socket.nextOfType("ack")).toMatchObject({ ref: `r${i}`, seq: i + 1, delivered: members.length });
    }
    for (const m of members.slice(SHARDS))
      expect((await messages(m.socket, SHARDS)).map((f) => f.seq)).toEqual([1, 2, 3, 4]);
  });
});
