import { describe, expect, it } from "vitest";
import { TtlCache } from "../../src/control/ttl-cache.ts";

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe("TtlCache", () => {
  it("serves an entry until its time to live, counted from when its load was sent", async () => {
    const c = clock();
    const cache = new TtlCache<string>(10, 4_000, c.now);
    let loads = 0;
    const load = async () => {
      loads++;
      c.advance(500); // the read takes half a second
      return `v${loads}`;
    };
    expect(await cache.get("k", load, () => 4_000)).toBe("v1");
    c.advance(3_499); // 3,999 ms after the load was sent
    expect(await cache.get("k", load, () => 4_000)).toBe("v1");
    c.advance(1);
    expect(await cache.get("k", load, () => 4_000)).toBe("v2");
  });

  it("shares one load between concurrent misses, unless it was sent longer ago than shareMs", async () => {
    const c = clock();
    const cache = new TtlCache<number>(10, 4_000, c.now);
    const resolvers: ((v: number) => void)[] = [];
    const slow = () => new Promise<number>((resolve) => resolvers.push(resolve));
    const first = cache.get("k", slow, () => 4_000);
    const joined = cache.get("k", slow, () => 4_000);
    expect(resolvers).toHaveLength(1);
    c.advance(4_000);
    const late = cache.get("k", slow, () => 4_000);
    expect(resolvers).toHaveLength(2);
    for (const [i, resolve] of resolvers.entries()) resolve(i + 1);
    expect([await first, await joined, await late]).toEqual([1, 1, 2]);
  });

  it("keeps at most `capacity` entries, the least recently used going first", async () => {
    const c = clock();
    const cache = new TtlCache<string>(2, 4_000, c.now);
    const value = (v: string) => async () => v;
    await cache.get("a", value("a"), () => 4_000);
    await cache.get("b", value("b"), () => 4_000);
    expect(cache.peek("a")?.value).toBe("a"); // a is now the most recently used
    await cache.get("c", value("c"), () => 4_000);
    expect(cache.size).toBe(2);
    expect(cache.peek("b")).toBeUndefined();
    expect(cache.peek("a")?.value).toBe("a");
  });

  it("gives each value its own time to live (a short one for negative answers) and never lets an older answer replace a newer one", async () => {
    const c = clock();
    const cache = new TtlCache<string | null>(10, 4_000, c.now);
    await cache.get(
      "k",
      async () => null,
      (v) => (v === null ? 30_000 : 4_000),
    );
    c.advance(29_999);
    expect(cache.peek("k")).toEqual({ value: null, ageMs: 29_999 });
    cache.set("k", "old", c.now() - 40_000, 4_000);
    expect(cache.peek("k")?.value).toBeNull();
  });

  it("drops an entry whose clock reads earlier than its load (the clock went back)", async () => {
    const c = clock();
    const cache = new TtlCache<string>(10, 4_000, c.now);
    await cache.get(
      "k",
      async () => "v",
      () => 4_000,
    );
    c.advance(-1);
    expect(cache.peek("k")).toBeUndefined();
  });
});
