// Helpers for the sharded project (ROOM_SHARDS=4, MAX_CONNECTIONS_PER_ROOM=40): users chosen to land
// on a given shard, and stubs for a room's objects.
import { env } from "cloudflare:workers";
import { vi } from "vitest";
import { roomStubByName } from "../../src/room/client.ts";
import { Room } from "../../src/room/room.ts";
import { shardObjectName, shardOf } from "../../src/room/sharding/placement.ts";
import { roomStubOf } from "../support/gateway.ts";
import { config } from "../support/limits.ts";

export const SHARDS = config.roomShards;

/** A fresh sub that lands on `shard`. */
export function subOnShard(shard: number, prefix = "user", tenant = "acme"): string {
  for (;;) {
    const sub = `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
    if (shardOf(tenant, sub, SHARDS, config.shardPlacementKey) === shard) return sub;
  }
}

/** One fresh sub per shard, in shard order. */
export const subsOnEveryShard = (prefix = "user") =>
  Array.from({ length: SHARDS }, (_, shard) => subOnShard(shard, prefix));

export const coordinatorStub = roomStubOf;

export const shardStub = (room: string, shard: number, tenant = "acme") =>
  roomStubByName(env, shardObjectName(tenant, room, shard));

/**
 * Fails forwards to one shard, as a broken stub or an overloaded object would: the next `times`
 * of them, or every one until the spy is restored.
 */
export function dropForwardsTo(room: string, shard: number, times = Number.POSITIVE_INFINITY) {
  const target = shardStub(room, shard).id;
  const feed = Room.prototype.feed;
  let dropped = 0;
  return vi.spyOn(Room.prototype, "feed").mockImplementation(async function (this: Room, f) {
    const state: DurableObjectState = Reflect.get(this, "ctx");
    if (state.id.equals(target) && dropped++ < times) throw new Error("network connection lost");
    return feed.call(this, f);
  });
}
