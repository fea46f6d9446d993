// Sessions in a room over 4 shards: resume, presence, kick, revocation, expiry and refresh, the
// room's connection cap, and the operator's view, each across shards.
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { shardOf } from "../../src/room/sharding/placement.ts";
import {
  connect,
  errorOf,
  type Frame,
  freshRoom,
  nextMessage,
  publishN,
  request,
  type TestSocket,
  upgrade,
  WARM_UP_MS,
  warmUp,
} from "../support/gateway.ts";
import { config } from "../support/limits.ts";
import { apiKey, signToken } from "../support/tokens.ts";
import { coordinatorStub, SHARDS, shardStub, subOnShard, subsOnEveryShard } from "./support.ts";

beforeAll(warmUp, WARM_UP_MS);

async function messagesUntil(socket: TestSocket, lastSeq: number): Promise<number[]> {
  const seqs: number[] = [];
  for (;;) {
    const m = await nextMessage(socket);
    seqs.push(Number(m.seq));
    if (m.seq === lastSeq) return seqs;
  }
}

const admin = (path: string, init: RequestInit = {}) =>
  request(path, { ...init, headers: { "x-api-key": apiKey("adminacme"), "content-type": "application/json" } });

describe("resume on a shard", () => {
  it("replays every missed message, then continues live with no gap or duplicate at the seam", async () => {
    const room = freshRoom();
    // Keep every shard live, so the resuming socket's shard is fed while its replay is fetched.
    for (const sub of subsOnEveryShard("keeper")) await connect(room, await signToken({ sub }));
    await publishN(room, 5);
    const racing = publishN(room, 20, { event: "race" });
    const { socket, welcome } = await connect(room, await signToken({ sub: subOnShard(2, "resumer") }), "?since=2");
    await racing;
    expect(welcome.recovered).toBe(true);
    expect(await messagesUntil(socket, 25)).toEqual(Array.from({ length: 23 }, (_, i) => i + 3));
  });

  it("replays on a shard that takes its first socket", async () => {
    const room = freshRoom();
    await publishN(room, 4);
    const { socket, welcome } = await connect(room, await signToken({ sub: subOnShard(3, "first") }), "?since=1");
    expect(welcome).toMatchObject({ seq: 4, recovered: true });
    await publishN(room, 1);
    expect(await messagesUntil(socket, 5)).toEqual([2, 3, 4, 5]);
  });
});

describe("presence across shards", () => {
  it("counts every shard's sockets and sends joins and leaves to watchers on every shard", async () => {
    const room = freshRoom();
    const watchers: TestSocket[] = [];
    for (const sub of subsOnEveryShard("watcher"))
      watchers.push((await connect(room, await signToken({ sub, scope: "subscribe presence" }), "?presence=1")).socket);
    const joiner = subOnShard(1, "joiner");
    const { socket, welcome } = await connect(room, await signToken({ sub: joiner }));
    for (const w of watchers)
      expect(await w.next((f) => f.type === "presence" && f.user === joiner)).toMatchObject({
        action: "join",
        connectionId: welcome.connectionId,
      });
    const snapshot = (await (await admin(`/v1/rooms/${room}/presence`)).json()) as {
      connections: number;
      users: unknown[];
    };
    expect(snapshot.connections).toBe(5);
    expect(snapshot.users).toHaveLength(5);
    socket.close();
    for (const w of watchers)
      expect(await w.next((f) => f.type === "presence" && f.user === joiner && f.action === "leave")).toBeDefined();
  });
});

describe("kick across shards", () => {
  it("closes a user's sockets with 4003 by user and a connection by id", async () => {
    const room = freshRoom();
    const troll = subOnShard(2, "troll");
    const a = await connect(room, await signToken({ sub: troll }));
    const b = await connect(room, await signToken({ sub: troll }));
    const bystander = await connect(room, await signToken({ sub: subOnShard(0, "nice") }));
    const other = await connect(room, await signToken({ sub: subOnShard(3, "other") }));
    expect(
      await (
        await admin(`/v1/rooms/${room}/disconnect`, { method: "POST", body: JSON.stringify({ users: [troll] }) })
      ).json(),
    ).toEqual({
      disconnected: 2,
    });
    expect((await a.socket.waitClosed()).code).toBe(4003);
    expect((await b.socket.waitClosed()).code).toBe(4003);
    const byId = await admin(`/v1/rooms/${room}/disconnect`, {
      method: "POST",
      body: JSON.stringify({ connections: [other.welcome.connectionId] }),
    });
    expect(await byId.json()).toEqual({ disconnected: 1 });
    expect((await other.socket.waitClosed()).code).toBe(4003);
    expect(bystander.socket.closed).toBeUndefined();
  });
});

describe("revocation across shards", () => {
  it("closes the user's sockets on every shard of every room with 4002", async () => {
    const jti = crypto.randomUUID();
    const sub = subOnShard(1, "leaker");
    const token = await signToken({ sub, claims: { jti } });
    const sockets = [await connect(freshRoom(), token), await connect(freshRoom(), token)];
    const res = await admin("/v1/admin/revocations", { method: "POST", body: JSON.stringify({ jti }) });
    expect(await res.json()).toMatchObject({ closed: 2 });
    for (const s of sockets) expect(await s.socket.waitClosed()).toEqual({ code: 4002, reason: "token_revoked" });
    const again = await upgrade(`/v1/rooms/${freshRoom()}/ws`, { authorization: `Bearer ${token}` });
    expect(await errorOf(again)).toMatchObject({ status: 401, code: "token_revoked" });
  });
});

describe("expiry and refresh on a shard", () => {
  it("closes an expired socket with 4001 from the shard's alarm, after hibernation", async () => {
    const room = freshRoom();
    const sub = subOnShard(3, "short");
    const { socket } = await connect(room, await signToken({ sub, expiresIn: 3 }));
    await evictDurableObject(shardStub(room, 3), { webSockets: "hibernate" });
    await runDurableObjectAlarm(shardStub(room, 3));
    expect(socket.closed).toBeUndefined();
    expect(await socket.waitClosed(10_000)).toEqual({ code: 4001, reason: "token_expired" });
  });

  it("extends a socket on a shard with a refreshed token", async () => {
    const sub = subOnShard(2, "renew");
    const { socket } = await connect(freshRoom(), await signToken({ sub, expiresIn: 60 }));
    socket.send({ type: "refresh", token: await signToken({ sub, expiresIn: 7_200 }) });
    expect(((await socket.nextOfType("refreshed")) as Frame & { exp: number }).exp).toBeGreaterThan(
      Date.now() / 1000 + 7_000,
    );
  });
});

describe("the room's connection cap", () => {
  const cap = config.maxConnectionsPerRoom;
  const crowd = cap / config.roomShards + 2;

  /** A full room: `crowd` sockets on shard 1 (more than an even share), the rest spread over every shard. */
  async function fill(room: string): Promise<TestSocket[]> {
    const sockets: TestSocket[] = [];
    for (let i = 0; i < cap; i++) {
      const sub = i < crowd ? subOnShard(1, `u${i}`) : subOnShard(i % config.roomShards, `v${i}`);
      sockets.push((await connect(room, await signToken({ sub }))).socket);
    }
    return sockets;
  }

  /** Places the room's coordinator has granted its shards. */
  const placesOf = (room: string) =>
    runInDurableObject(
      coordinatorStub(room),
      (_, state) => state.storage.sql.exec<{ n: number }>("SELECT SUM(granted) AS n FROM room_places").one().n,
    );

  const refusalOf = async (room: string, shard: number) =>
    errorOf(
      await upgrade(`/v1/rooms/${room}/ws`, {
        authorization: `Bearer ${await signToken({ sub: subOnShard(shard, "one-too-many") })}`,
      }),
    );

  it(`holds the room as a whole to ${cap}, however its users fall over the shards`, async () => {
    const room = freshRoom();
    await fill(room);
    expect(await refusalOf(room, 0)).toMatchObject({ status: 429, code: "too_many_connections" });
    expect(await refusalOf(room, 1)).toMatchObject({ status: 429, code: "too_many_connections" });
  });

  it("gives a place left on one shard to a connect on another", async () => {
    const room = freshRoom();
    const sockets = await fill(room);
    sockets[0]?.close();
    await vi.waitFor(async () => expect(await placesOf(room)).toBeLessThan(cap), { timeout: 5_000, interval: 20 });
    await connect(room, await signToken({ sub: subOnShard(2, "newcomer") }));
    expect(await refusalOf(room, 3)).toMatchObject({ status: 429, code: "too_many_connections" });
  });
});

describe("the operator's view", () => {
  it("shows the room's seq and the connections on each live shard", async () => {
    const room = freshRoom();
    await connect(room, await signToken({ sub: subOnShard(0, "x") }));
    await connect(room, await signToken({ sub: subOnShard(2, "y") }));
    await connect(room, await signToken({ sub: subOnShard(2, "z") }));
    await publishN(room, 3);
    const view = (await (await admin(`/v1/admin/rooms/${room}`)).json()) as {
      shards: { shard: number; connections: number }[];
    };
    view.shards.sort((a, b) => a.shard - b.shard);
    expect(view).toEqual({
      room,
      seq: 3,
      connections: 3,
      shards: [
        { shard: 0, connections: 1 },
        { shard: 2, connections: 2 },
      ],
    });
  });

  it("needs an admin key", async () => {
    const res = await request(`/v1/admin/rooms/${freshRoom()}`, { headers: { "x-api-key": apiKey("presacme") } });
    expect(await errorOf(res)).toMatchObject({ status: 403, code: "forbidden" });
  });
});

describe("placement keyed by SHARD_PLACEMENT_KEY", () => {
  it("scatters users a client chose with the public, unkeyed hash to land on one shard", async () => {
    expect(config.shardPlacementKey).toBeDefined();
    const room = freshRoom();
    const aimed = Array.from({ length: 2_000 }, (_, i) => `aimed-${i}`)
      .filter((sub) => shardOf("acme", sub, SHARDS, undefined) === 0)
      .slice(0, 8);
    const shards = new Set<string>();
    for (const sub of aimed) {
      const { socket, welcome } = await connect(room, await signToken({ sub }));
      shards.add(String(welcome.connectionId).split(".")[0] ?? "");
      socket.close();
    }
    expect(shards.size).toBeGreaterThan(1);
  });
});
