// Subscribers placed on chosen shards, for the shard-costs mode: before each point the session says
// "the first n subscribers, evenly over shards 0 … live-1", and subscriber k's user is picked (by
// the gateway's own shardOf) to land there. One K-shard server then measures every live-shard count.
import { shardOf } from "../../src/room/sharding/placement.ts";
import {
  BENCH_PLACEMENT_KEY,
  BENCH_TENANT,
  mintSubscribers,
  numberedSub,
  type Subscriber,
} from "../harness/credentials.ts";

/** Live-shard counts measured: 1, 2, 4 … below K, and K itself. */
export function liveShardGrid(shards: number): number[] {
  const grid: number[] = [];
  for (let live = 1; live < shards; live *= 2) grid.push(live);
  return [...grid, shards];
}

/**
 * Users per shard: shard s is used whenever live > s, with ⌈max/live⌉ subscribers, so it needs
 * that many for the smallest such live count of the grid.
 */
function quotas(shards: number, maxSubscribers: number): number[] {
  const grid = liveShardGrid(shards);
  return Array.from({ length: shards }, (_, s) =>
    Math.ceil(maxSubscribers / (grid.find((live) => live > s) ?? shards)),
  );
}

export class ShardPlacement {
  private readonly byShard: readonly (readonly Subscriber[])[];
  private placed: Subscriber[] = [];

  private constructor(byShard: Subscriber[][]) {
    this.byShard = byShard;
  }

  /** Finds users for every shard of a `shards`-shard room (bounded scan) and signs their tokens. */
  static async mint(jwtSecret: string, shards: number, maxSubscribers: number): Promise<ShardPlacement> {
    const quota = quotas(shards, maxSubscribers);
    const total = quota.reduce((a, b) => a + b, 0);
    const wanted: string[][] = quota.map(() => []);
    // FNV-1a spreads evenly: shard 0's quota is met after about shards × quota[0] names; 64× is ample.
    const limit = 64 * shards * maxSubscribers;
    let found = 0;
    for (let j = 0; j < limit && found < total; j++) {
      const sub = numberedSub(j);
      const s = shardOf(BENCH_TENANT, sub, shards, BENCH_PLACEMENT_KEY);
      const list = wanted[s];
      if (list === undefined || list.length >= (quota[s] ?? 0)) continue;
      list.push(sub);
      found++;
    }
    if (found < total) throw new Error(`could not find ${total} users spread over ${shards} shards`);
    const subscribers = await mintSubscribers(jwtSecret, wanted.flat());
    const byShard: Subscriber[][] = [];
    let at = 0;
    for (const list of wanted) {
      byShard.push(subscribers.slice(at, at + list.length));
      at += list.length;
    }
    return new ShardPlacement(byShard);
  }

  /** From now on subscribers 0 … count-1 are spread evenly (round robin) over shards 0 … live-1. */
  place(live: number, count: number): void {
    this.placed = Array.from({ length: count }, (_, k) => {
      const s = this.byShard[k % live]?.[Math.floor(k / live)];
      if (s === undefined) throw new Error(`no user for subscriber ${k} of ${count} on ${live} shards`);
      return s;
    });
  }

  subscriber(k: number): Subscriber {
    const s = this.placed[k];
    if (s === undefined) throw new Error(`subscriber ${k} is not placed`);
    return s;
  }
}
