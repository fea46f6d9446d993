// Usage of a room over 4 shards: each object counts what happens on it (sockets and deliveries on
// the shards, messages where they are numbered, the coordinator), so a known workload adds up
// exactly across objects, with a shard and the coordinator evicted before their flush.
import { env, evictDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { roomObjectName, shardObjectName } from "../../src/room/sharding/placement.ts";
import { freshRoom, join, nextMessage, publishHttp, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { apiKey } from "../support/tokens.ts";
import { bytesOf, delivered, flushObjects, messageFrames, recorder, roomsOf, usageOf } from "../support/usage.ts";
import { SHARDS, subOnShard } from "./support.ts";

beforeAll(warmUp, WARM_UP_MS);

const TENANT = "metered";
const ADMIN = "meteredadmin";
const stubOf = (name: string) => env.ROOMS.get(env.ROOMS.idFromName(name));

describe("usage of a sharded room", () => {
  it("adds up exactly over the coordinator and every shard, through evictions", async () => {
    const room = freshRoom();
    const members = [];
    for (let shard = 0; shard < SHARDS; shard++)
      members.push(await join(room, subOnShard(shard, "m", TENANT), { tenant: TENANT }));
    const received = members.map((m) => recorder(m.socket.ws));

    let deliveries = 0;
    for (const payload of [1, 2, 3])
      deliveries += await delivered(await publishHttp(room, apiKey(ADMIN), { payload, event: "e" }));
    // A client's publish on shard 1 is numbered by the coordinator: counted once, as "ws".
    const publisher = members[1]?.socket;
    if (publisher === undefined) throw new Error("no member on shard 1");
    publisher.send({ type: "publish", event: "e", payload: "w", ref: "w" });
    deliveries += Number((await publisher.next((f) => f.type === "ack" && f.ref === "w")).delivered);
    for (const m of members) for (let i = 0; i < 4; i++) await nextMessage(m.socket);

    const coordinator = stubOf(roomObjectName(TENANT, room));
    const shards = Array.from({ length: SHARDS }, (_, k) => stubOf(shardObjectName(TENANT, room, k)));
    await evictDurableObject(coordinator, { webSockets: "hibernate" });
    await evictDurableObject(shards[2] as DurableObjectStub, { webSockets: "hibernate" });
    await flushObjects([coordinator, ...shards]);

    const usage = await usageOf(ADMIN);
    expect(deliveries).toBe(4 * SHARDS);
    expect(usage.totals).toEqual({
      connects: SHARDS,
      disconnects: {},
      messages: { http: 3, batch: 0, ws: 1 },
      deliveries,
      bytesDelivered: bytesOf(received.flatMap(messageFrames)),
      historyReads: 0,
      refusals: {},
      webhooks: { delivered: 0, failed: 0, retried: 0, deadLettered: 0 },
      peakConnections: SHARDS,
    });
    expect(usage.live).toEqual({ connections: SHARDS, rooms: 1 });
    expect((await roomsOf(ADMIN)).rooms).toEqual([{ room, connections: SHARDS, users: SHARDS, shards: SHARDS }]);
  });
});
