import { describe, expect, it } from "vitest";
import { stepFor } from "../../src/room/sharding/feed.ts";
import {
  hostObjectName,
  newConnectionId,
  shardObjectName,
  shardOf,
  shardOfConnection,
  shardsFor,
} from "../../src/room/sharding/placement.ts";

const KEY = "k".repeat(32);

describe.each([
  ["keyed", KEY],
  ["unkeyed", undefined],
])("shardOf, %s", (_name, key) => {
  it("puts a user on the same shard every time, within the count", () => {
    expect(shardOf("acme", "alice", 4, key)).toBe(shardOf("acme", "alice", 4, key));
    for (let i = 0; i < 200; i++) {
      const s = shardOf("acme", `u${i}`, 7, key);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThan(7);
    }
  });

  it("spreads users evenly enough: 4,000 users over 4 shards, none more than 15% off its share", () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4_000; i++) {
      const s = shardOf("acme", `user-${i}`, 4, key);
      counts[s] = (counts[s] ?? 0) + 1;
    }
    for (const n of counts) expect(Math.abs(n - 1_000)).toBeLessThan(150);
  });

  it("tells the same sub in two tenants apart", () => {
    const differ = Array.from(
      { length: 50 },
      (_, i) => shardOf("acme", `s${i}`, 64, key) !== shardOf("globex", `s${i}`, 64, key),
    );
    expect(differ.some(Boolean)).toBe(true);
  });
});

describe("shardOf with a placement key", () => {
  // 16 users that the unkeyed placement (public code) puts on shard 0 of 8: what a client would pick
  // to pile its users onto one object.
  const aimed = Array.from({ length: 4_000 }, (_, i) => `aim-${i}`)
    .filter((sub) => shardOf("acme", sub, 8, undefined) === 0)
    .slice(0, 16);

  it("scatters users chosen against the unkeyed placement", () => {
    expect(aimed).toHaveLength(16);
    expect(new Set(aimed.map((sub) => shardOf("acme", sub, 8, KEY))).size).toBeGreaterThan(1);
  });

  it("depends on the key: another key places the same users elsewhere", () => {
    const subs = Array.from({ length: 50 }, (_, i) => `u${i}`);
    const other = "o".repeat(32);
    expect(subs.some((sub) => shardOf("acme", sub, 64, KEY) !== shardOf("acme", sub, 64, other))).toBe(true);
  });
});

describe("connection ids", () => {
  it("name their shard in a sharded room and stay plain UUIDs otherwise", () => {
    const id = newConnectionId({ index: 12, count: 16 });
    expect(shardOfConnection(id, 16)).toBe(12);
    expect(newConnectionId(undefined)).toMatch(/^[0-9a-f-]{36}$/);
    expect(shardOfConnection(newConnectionId(undefined), 16)).toBeUndefined();
  });

  it("name no shard beyond the count", () => {
    expect(shardOfConnection("9.abc", 4)).toBeUndefined();
  });
});

describe("shardsFor", () => {
  const live = new Set([0, 1, 2, 3]);
  it("sends a broadcast to every live shard", () => {
    expect(shardsFor(undefined, "acme", new Set([0, 2]), 4, KEY)).toEqual([0, 2]);
  });

  it("sends a user-targeted message to the users' shards only, if live", () => {
    expect(shardsFor({ users: ["alice"] }, "acme", live, 4, KEY)).toEqual([shardOf("acme", "alice", 4, KEY)]);
    expect(shardsFor({ users: ["alice"] }, "acme", new Set(), 4, KEY)).toEqual([]);
  });

  it("sends a connection-targeted message to the connection's shard, and everywhere when the id names none", () => {
    expect(shardsFor({ connections: ["3.x"] }, "acme", live, 4, KEY)).toEqual([3]);
    expect(shardsFor({ connections: ["plain-uuid"] }, "acme", live, 4, KEY)).toEqual([0, 1, 2, 3]);
  });

  it("names shard objects after the room's object", () => {
    expect(shardObjectName("acme", "lobby", 3)).toBe("acme/lobby#3");
    expect(hostObjectName("acme", "lobby", { index: 3, count: 4 })).toBe("acme/lobby#3");
    expect(hostObjectName("acme", "lobby", undefined)).toBe("acme/lobby");
  });
});

describe("stepFor", () => {
  it("drops what was delivered already", () => {
    expect(stepFor(5, { seq: 5, prev: 4 })).toEqual({ kind: "duplicate" });
    expect(stepFor(5, { seq: 3, prev: undefined })).toEqual({ kind: "duplicate" });
  });

  it("delivers a forward whose predecessor was delivered here", () => {
    expect(stepFor(5, { seq: 9, prev: 5 })).toEqual({ kind: "deliver" });
    expect(stepFor(5, { seq: 6, prev: undefined })).toEqual({ kind: "deliver" });
  });

  it("fills from history when a forward in between never arrived, or the sender cannot say", () => {
    expect(stepFor(5, { seq: 9, prev: 7 })).toEqual({ kind: "fill", after: 5, before: 9 });
    expect(stepFor(5, { seq: 8, prev: undefined })).toEqual({ kind: "fill", after: 5, before: 8 });
  });
});
