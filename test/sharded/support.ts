// Helpers for the sharded project (ROOM_SHARDS=4, MAX_CONNECTIONS_PER_ROOM=40): users chosen to land
// on a given shard, and stubs for a room's objects.
import { env } from "cloudflare:workers";
import { roomObjectName, shardObjectName, shardOf } from "../../src/room/sharding/placement.ts";
import { config } from "../support/limits.ts";

export const SHARDS = config.roomShards;

/** A fresh sub that lands on `shard`. */
export function subOnShard(shard: number, prefix = "user", tenant = "acme"): string {
  for (;;) {
    const sub = `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
    if (shardOf(tenant, sub, SHARDS) === shard) return sub;
  }
}

/** One fresh sub per shard, in shard order. */
export const subsOnEveryShard = (prefix = "user") =>
  Array.from({ length: SHARDS }, (_, shard) => subOnShard(shard, prefix));

export const coordinatorStub = (room: string, tenant = "acme") =>
  env.ROOMS.get(env.ROOMS.idFromName(roomObjectName(tenant, room)));

export const shardStub = (room: string, shard: number, tenant = "acme") =>
  env.ROOMS.get(env.ROOMS.idFromName(shardObjectName(tenant, room, shard)));
