// The shard-costs mode's placement (bench/load/placement.ts): its users must land where the gateway's
// own shardOf puts them, or every fitted shard cost would be for the wrong number of shards.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { BENCH_PLACEMENT_KEY, BENCH_TENANT } from "../../bench/harness/credentials.ts";
import { liveShardGrid, ShardPlacement } from "../../bench/load/placement.ts";
import { shardCostPoints } from "../../bench/load/shard-costs.ts";
import { shardOf } from "../../src/room/sharding/placement.ts";

const SECRET = randomBytes(32).toString("base64url");

describe("liveShardGrid", () => {
  it("doubles up to K and ends at K", () => {
    expect(liveShardGrid(16)).toEqual([1, 2, 4, 8, 16]);
    expect(liveShardGrid(12)).toEqual([1, 2, 4, 8, 12]);
    expect(liveShardGrid(2)).toEqual([1, 2]);
  });
});

describe("shardCostPoints", () => {
  it("gives the sharded server one socket per shard and N sockets at every live count", () => {
    expect(shardCostPoints(4, 100)).toEqual([
      { live: 1, n: 1 },
      { live: 1, n: 100 },
      { live: 2, n: 2 },
      { live: 2, n: 100 },
      { live: 4, n: 4 },
      { live: 4, n: 100 },
    ]);
  });

  it("gives the unsharded server 1, N/2 and N sockets, without repeats", () => {
    expect(shardCostPoints(1, 9)).toEqual([
      { live: 1, n: 1 },
      { live: 1, n: 5 },
      { live: 1, n: 9 },
    ]);
    expect(shardCostPoints(1, 2)).toEqual([
      { live: 1, n: 1 },
      { live: 1, n: 2 },
    ]);
  });
});

describe("ShardPlacement", () => {
  it("spreads the first n subscribers evenly over shards 0 … live-1, by the gateway's shardOf", async () => {
    const placement = await ShardPlacement.mint(SECRET, 8, 40);
    for (const live of liveShardGrid(8)) {
      placement.place(live, 40);
      const counts = new Map<number, number>();
      const subs = new Set<string>();
      for (let k = 0; k < 40; k++) {
        const { sub } = placement.subscriber(k);
        subs.add(sub);
        const shard = shardOf(BENCH_TENANT, sub, 8, BENCH_PLACEMENT_KEY);
        counts.set(shard, (counts.get(shard) ?? 0) + 1);
      }
      expect(subs.size).toBe(40);
      expect([...counts.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: live }, (_, s) => s));
      expect(Math.max(...counts.values()) - Math.min(...counts.values())).toBeLessThanOrEqual(1);
    }
  });

  it("refuses a subscriber it has not placed", async () => {
    const placement = await ShardPlacement.mint(SECRET, 2, 4);
    placement.place(2, 3);
    expect(() => placement.subscriber(3)).toThrow(/not placed/);
  });
});
