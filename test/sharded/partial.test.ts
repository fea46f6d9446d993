// A sharded room answers presence, disconnect and the operator's view by asking its shards. When a
// shard cannot be reached the answer says so, `partial: true` with the shards that failed, instead
// of a 200 that passes a part for the whole; with every shard answering it is exactly as before.
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { Room } from "../../src/room/room.ts";
import { connect, freshRoom, request, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { apiKey, signToken } from "../support/tokens.ts";
import { shardStub, subsOnEveryShard } from "./support.ts";

beforeAll(warmUp, WARM_UP_MS);
afterEach(() => vi.restoreAllMocks());

const admin = (path: string, init: RequestInit = {}) =>
  request(path, { ...init, headers: { "x-api-key": apiKey("adminacme"), "content-type": "application/json" } });

/** Makes shard `shard` of `room` fail every call named `method`, as an unreachable or overloaded object would. */
function breakShard(room: string, shard: number, method: "shardPresence" | "shardDisconnect" | "shardConnections") {
  const target = shardStub(room, shard).id;
  const real = Room.prototype[method] as (this: Room, ...args: unknown[]) => Promise<unknown>;
  vi.spyOn(console, "log").mockImplementation(() => {});
  vi.spyOn(Room.prototype, method).mockImplementation(async function (this: Room, ...args: unknown[]) {
    const state: DurableObjectState = Reflect.get(this, "ctx");
    if (state.id.equals(target)) throw new Error("Durable Object is overloaded");
    return real.apply(this, args);
  } as never);
}

/** One user on each of the 4 shards; their subs in shard order. */
async function usersOnEveryShard(room: string): Promise<string[]> {
  const subs = subsOnEveryShard("p");
  for (const sub of subs) await connect(room, await signToken({ sub, scope: "subscribe presence" }));
  return subs;
}

describe("a shard that cannot be reached", () => {
  it("marks presence partial, naming the shard, with what the others answered", async () => {
    const room = freshRoom();
    const subs = await usersOnEveryShard(room);
    breakShard(room, 2, "shardPresence");
    const res = await admin(`/v1/rooms/${room}/presence`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { connections: number; users: { id: string }[] };
    expect(body).toMatchObject({ connections: 3, partial: true, failedShards: [2] });
    expect(body.users.map((u) => u.id).sort()).toEqual(subs.filter((_, i) => i !== 2).sort());
  });

  it("marks a disconnect partial, naming the shard, and counts the sockets the others closed", async () => {
    const room = freshRoom();
    const subs = await usersOnEveryShard(room);
    breakShard(room, 1, "shardDisconnect");
    const res = await admin(`/v1/rooms/${room}/disconnect`, { method: "POST", body: JSON.stringify({ users: subs }) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ disconnected: 3, partial: true, failedShards: [1] });
  });

  it("marks the operator's view partial, naming the shard", async () => {
    const room = freshRoom();
    await usersOnEveryShard(room);
    breakShard(room, 3, "shardConnections");
    const body = (await (await admin(`/v1/admin/rooms/${room}`)).json()) as Record<string, unknown>;
    expect(body).toMatchObject({ connections: 3, partial: true, failedShards: [3] });
    expect(body.shards).toEqual([0, 1, 2].map((shard) => ({ shard, connections: 1 })));
  });
});

describe("every shard answering", () => {
  it("leaves the answers exactly as they were: no partial field at all", async () => {
    const room = freshRoom();
    const subs = await usersOnEveryShard(room);
    const presence = (await (await admin(`/v1/rooms/${room}/presence`)).json()) as Record<string, unknown>;
    expect(Object.keys(presence).sort()).toEqual(["connections", "users"]);
    const view = (await (await admin(`/v1/admin/rooms/${room}`)).json()) as Record<string, unknown>;
    expect(Object.keys(view).sort()).toEqual(["connections", "room", "seq", "shards"]);
    const res = await admin(`/v1/rooms/${room}/disconnect`, { method: "POST", body: JSON.stringify({ users: subs }) });
    expect(await res.json()).toEqual({ disconnected: 4 });
  });
});
