// What a sharded room survives: eviction of every object, a forward that never arrives, a layout
// change while sockets are live, and an emptied room leaving nothing behind. A gap filled on a
// shard is live delivery arriving late, so the live rules hold: a connection excluded from a
// message does not get it from the fill, and the fill streams page by page, holding no more than
// one page of history at a time.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { encodeRoomConnect, IDENTITY_HEADER } from "../../src/protocol.ts";
import { Room } from "../../src/room/room.ts";
import { SocketHost } from "../../src/room/sockets/host.ts";
import {
  connect,
  freshRoom,
  nextMessage,
  publishHttp,
  publishN,
  request,
  TestSocket,
  WARM_UP_MS,
  warmUp,
} from "../support/gateway.ts";
import { apiKey, signToken } from "../support/tokens.ts";
import { coordinatorStub, dropForwardsTo, SHARDS, shardStub, subOnShard, subsOnEveryShard } from "./support.ts";

beforeAll(warmUp, WARM_UP_MS);
afterEach(() => vi.restoreAllMocks());

async function seqs(socket: TestSocket, n: number): Promise<number[]> {
  const got: number[] = [];
  for (let i = 0; i < n; i++) got.push(Number((await nextMessage(socket)).seq));
  return got;
}

const everyShard = async (room: string) => {
  const sockets: TestSocket[] = [];
  for (const sub of subsOnEveryShard("m")) sockets.push((await connect(room, await signToken({ sub }))).socket);
  return sockets;
};

describe("a sharded room across eviction", () => {
  it("keeps delivering every message in order after the room and every shard were evicted", async () => {
    const room = freshRoom();
    const sockets = await everyShard(room);
    await publishN(room, 3);
    await evictDurableObject(coordinatorStub(room), { webSockets: "hibernate" });
    for (let i = 0; i < SHARDS; i++) await evictDurableObject(shardStub(room, i), { webSockets: "hibernate" });
    await publishN(room, 3);
    for (const s of sockets) expect(await seqs(s, 6)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe("a forward that never arrives", () => {
  it("is filled from the room's history before the next message, so nobody misses it", async () => {
    const room = freshRoom();
    const sockets = await everyShard(room);
    await publishN(room, 1);
    vi.spyOn(console, "log").mockImplementation(() => {});
    dropForwardsTo(room, 2, 2);
    await publishN(room, 1);
    vi.restoreAllMocks();
    await publishN(room, 1);
    for (const s of sockets) expect(await seqs(s, 3)).toEqual([1, 2, 3]);
  });
});

describe("the room's layout", () => {
  const upgradeAt = async (
    stub: DurableObjectStub,
    room: string,
    sub: string,
    shard?: { index: number; count: number },
  ) => {
    const member = {
      kind: "user" as const,
      id: sub,
      tenant: "acme",
      room,
      scopes: ["subscribe" as const],
      exp: Math.floor(Date.now() / 1000) + 600,
      presence: false,
      batch: false,
    };
    const res = await stub.fetch("https://room/connect", {
      headers: { upgrade: "websocket", [IDENTITY_HEADER]: encodeRoomConnect({ member, subprotocol: false, shard }) },
    });
    if (res.webSocket === null) throw new Error(`upgrade failed: ${res.status} ${await res.text()}`);
    const socket = new TestSocket(res.webSocket);
    return { socket, welcome: await socket.nextOfType("welcome") };
  };

  it("stays sharded while sockets are live: an upgrade meant for the room object lands on the user's shard", async () => {
    const room = freshRoom();
    await connect(room, await signToken({ sub: subOnShard(0, "first") }));
    const sub = subOnShard(3, "late");
    const { welcome } = await upgradeAt(coordinatorStub(room), room, sub);
    expect(welcome.connectionId).toMatch(/^3\./);
  });

  it("stays unsharded while the room object holds sockets: a shard passes the upgrade on to it", async () => {
    const room = freshRoom();
    await upgradeAt(coordinatorStub(room), room, "old-client");
    const { welcome } = await connect(room, await signToken({ sub: subOnShard(2, "new-client") }));
    expect(welcome.connectionId).not.toMatch(/^\d+\./);
    await publishN(room, 1);
    const view = (await (
      await request(`/v1/admin/rooms/${room}`, { headers: { "x-api-key": apiKey("adminacme") } })
    ).json()) as {
      shards: unknown[];
    };
    expect(view.shards).toEqual([{ shard: 0, connections: 2 }]);
  });

  it("takes the configured count again once the room has no socket left", async () => {
    const room = freshRoom();
    const { socket } = await upgradeAt(coordinatorStub(room), room, "alone");
    socket.close();
    await socket.waitClosed();
    const { welcome } = await connect(room, await signToken({ sub: subOnShard(1, "next") }));
    expect(welcome.connectionId).toMatch(/^1\./);
  });
});

describe("an emptied shard", () => {
  it("leaves the room's layout and keeps no state once its last socket has left", async () => {
    const room = freshRoom();
    const { socket } = await connect(room, await signToken({ sub: subOnShard(1, "leaver") }));
    socket.close();
    await socket.waitClosed();
    await vi.waitFor(async () => {
      const tables = await runInDurableObject(shardStub(room, 1), (_i, state) =>
        state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE name = 'shard_feed'").toArray(),
      );
      expect(tables).toEqual([]);
      const live = await runInDurableObject(
        coordinatorStub(room),
        (_i, state) => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM fanout_shards").one().n,
      );
      expect(live).toBe(0);
    });
  });
});

const SHARD = 2;

describe("a gap filled on a shard", () => {
  it("keeps a message from the connection it excluded", async () => {
    const room = freshRoom();
    const { socket, welcome } = await connect(room, await signToken({ sub: subOnShard(SHARD, "ex") }));
    const { socket: neighbour } = await connect(room, await signToken({ sub: subOnShard(SHARD, "nb") }));
    await publishN(room, 1);
    vi.spyOn(console, "log").mockImplementation(() => {});
    dropForwardsTo(room, SHARD);
    const pub = apiKey("pubacme");
    const excluded = { event: "not-for-you", payload: 2, exclude: { connections: [String(welcome.connectionId)] } };
    expect((await publishHttp(room, pub, excluded, "x-api-key")).status).toBe(202);
    vi.restoreAllMocks();
    await publishN(room, 1);
    expect(await seqs(neighbour, 3)).toEqual([1, 2, 3]);
    expect(await seqs(socket, 2)).toEqual([1, 3]);
  });

  it("delivers each page of history before it asks for the next", async () => {
    const room = freshRoom();
    const { socket } = await connect(room, await signToken({ sub: subOnShard(SHARD, "pg") }));
    await publishN(room, 1);
    vi.spyOn(console, "log").mockImplementation(() => {});
    dropForwardsTo(room, SHARD);
    // 20 messages of 60 kB: two pages of HISTORY_PAGE_MAX_BYTES (1 MiB).
    const big = "x".repeat(60_000);
    for (let i = 0; i < 20; i++)
      expect((await publishHttp(room, apiKey("pubacme"), { event: "big", payload: big }, "x-api-key")).status).toBe(
        202,
      );
    vi.restoreAllMocks();
    const steps: string[] = [];
    const missed = Room.prototype.missed;
    vi.spyOn(Room.prototype, "missed").mockImplementation(async function (this: Room, ...args) {
      steps.push("page asked");
      return missed.apply(this, args);
    });
    const deliver = SocketHost.prototype.deliver;
    vi.spyOn(SocketHost.prototype, "deliver").mockImplementation(function (this: SocketHost, messages) {
      steps.push(`delivered ${messages.length}`);
      return deliver.call(this, messages);
    });
    await publishN(room, 1);
    expect(await seqs(socket, 22)).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));
    const asked = steps.filter((s) => s === "page asked").length;
    expect(asked).toBeGreaterThan(1);
    // Each page is delivered before the next is asked for; then the message that revealed the gap.
    const kinds = steps.map((s) => s.split(" ")[0]);
    expect(kinds).toEqual([...Array.from({ length: asked }, () => ["page", "delivered"]).flat(), "delivered"]);
  });
});
