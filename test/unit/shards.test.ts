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

describe("shardOf", () => {
  it("puts a user on the same shard every time, within the count", () => {
    expect(shardOf("acme", "alice", 4)).toBe(shardOf("acme", "alice", 4));
    for (let i = 0; i < 200; i++) {
      const s = shardOf("acme", `u${i}`, 7);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThan(7);
    }
  });

  it("spreads users evenly enough: 4,000 users over 4 shards, none more than 15% off its share", () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4_000; i++)
      counts[shardOf("acme", `user-${i}`, 4)] = (counts[shardOf("acme", `user-${i}`, 4)] ?? 0) + 1;
    for (const n of counts) expect(Math.abs(n - 1_000)).toBeLessThan(150);
  });

  it("tells the same sub in two tenants apart", () => {
    const differ = Array.from(
      { length: 50 },
      (_, i) => shardOf("acme", `s${i}`, 64) !== shardOf("globex", `s${i}`, 64),
    );
    expect(differ.some(Boolean)).toBe(true);
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
    expect(shardsFor(undefined, "acme", new Set([0, 2]), 4)).toEqual([0, 2]);
  });

  it("sends a user-targeted message to the users' shards only, if live", () => {
    expect(shardsFor({ users: ["alice"] }, "acme", live, 4)).toEqual([shardOf("acme", "alice", 4)]);
    expect(shardsFor({ users: ["alice"] }, "acme", new Set(), 4)).toEqual([]);
  });

  it("sends a connection-targeted message to the connection's shard, and everywhere when the id names none", () => {
    expect(shardsFor({ connections: ["3.x"] }, "acme", live, 4)).toEqual([3]);
    expect(shardsFor({ connections: ["plain-uuid"] }, "acme", live, 4)).toEqual([0, 1, 2, 3]);
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
