import { describe, expect, it } from "vitest";
import {
  ALL_MESSAGES_KEY,
  canonicalFilterKey,
  type Filter,
  filterOf,
  filterProblem,
  filterQuery,
  matchesFilter,
  parseFilterQuery,
  queryFilterProblem,
  specOf,
} from "../../src/filter.ts";
import type { FilterSpec } from "../../src/wire.ts";

/** The normal form of a spec that must be valid. */
function filter(spec: FilterSpec): Filter | undefined {
  expect(filterProblem(spec)).toBeUndefined();
  return filterOf(spec);
}

const msg = (event: string, tags?: Record<string, string>) => ({ event, tags });

describe("parseFilterQuery", () => {
  it("reads comma lists of events and of key:value tags, grouping values by key", () => {
    expect(parseFilterQuery("order.*,user.joined", "region:eu,tier:gold,region:us")).toEqual({
      events: ["order.*", "user.joined"],
      tags: { region: ["eu", "us"], tier: ["gold"] },
    });
  });

  it("splits a tag at its first colon, so values may hold colons", () => {
    expect(parseFilterQuery(undefined, "at:12:30")).toEqual({ tags: { at: ["12:30"] } });
  });

  it("reads tag keys that name members of the object prototype like any other", () => {
    expect(parseFilterQuery(undefined, "constructor:x,tostring:y,constructor:z")).toEqual({
      tags: { constructor: ["x", "z"], tostring: ["y"] },
    });
  });

  it("reads absent and empty parameters as no constraint", () => {
    expect(parseFilterQuery(undefined, undefined)).toEqual({});
    expect(parseFilterQuery("", "")).toEqual({});
  });

  const bad: [string, string | undefined, string | undefined][] = [
    ["an empty event entry", "a,,b", undefined],
    ["an event entry over 64 characters", "x".repeat(65), undefined],
    ["an event entry with a control character", "a\u0007", undefined],
    ["17 event entries", Array.from({ length: 17 }, (_, i) => `e${i}`).join(","), undefined],
    ["a tag without a colon", undefined, "region"],
    ["an upper-case tag key", undefined, "Region:eu"],
    ["a tag key over 32 characters", undefined, `${"k".repeat(33)}:v`],
    ["an empty tag key", undefined, ":v"],
    ["an empty tag value", undefined, "region:"],
    ["a tag value over 64 characters", undefined, `region:${"v".repeat(65)}`],
    ["a tag value with a newline", undefined, "region:e\nu"],
    ["17 tag pairs", undefined, Array.from({ length: 17 }, (_, i) => `k:v${i}`).join(",")],
    ["the key __proto__", undefined, "__proto__:x"],
  ];
  for (const [name, events, tags] of bad) {
    it(`refuses ${name}`, () => {
      expect(typeof parseFilterQuery(events, tags)).toBe("string");
    });
  }

  it("accepts the limits exactly: 16 event entries and 16 tag pairs", () => {
    const events = Array.from({ length: 16 }, (_, i) => `e${i}`).join(",");
    const tags = Array.from({ length: 16 }, (_, i) => `k${i % 3}:v${i}`).join(",");
    expect(typeof parseFilterQuery(events, tags)).toBe("object");
  });

  // A query string is read before anything else is known about the client: its cost must not grow
  // with what the client repeats. Past the 16th entry the answer is the count, whatever follows.
  it("refuses the 17th tag pair or event entry before judging any of them", () => {
    const sixteen = Array.from({ length: 16 }, (_, i) => `k:v${i}`);
    expect(parseFilterQuery(undefined, [...sixteen, "NOT A PAIR"].join(","))).toBe("at most 16 tag pairs");
    expect(parseFilterQuery(undefined, [...sixteen, "BAD KEY:v"].join(","))).toBe("at most 16 tag pairs");
    expect(parseFilterQuery(undefined, "a:b,".repeat(16_000).slice(0, -1))).toBe("at most 16 tag pairs");
    expect(parseFilterQuery(`${"e,".repeat(16)}`, undefined)).toBe("at most 16 event entries");
  });

  it("counts lengths in code points, as event names are counted", () => {
    expect(typeof parseFilterQuery("😀".repeat(64), `k:${"😀".repeat(64)}`)).toBe("object");
    expect(typeof parseFilterQuery("😀".repeat(65), undefined)).toBe("string");
    expect(typeof parseFilterQuery(undefined, `k:${"😀".repeat(65)}`)).toBe("string");
  });

  it("is the inverse of filterQuery", () => {
    const spec = { events: ["a", "order.*"], tags: { region: ["eu", "us"], tier: ["gold"] } };
    const q = filterQuery(spec);
    expect(q).toEqual({ events: "a,order.*", tags: "region:eu,region:us,tier:gold" });
    expect(parseFilterQuery(q.events, q.tags)).toEqual(spec);
  });
});

describe("queryFilterProblem", () => {
  it("refuses commas, which the query syntax cannot carry, where a filter frame would take them", () => {
    expect(filterProblem({ events: ["a,b"] })).toBeUndefined();
    expect(queryFilterProblem({ events: ["a,b"] })).toMatch(/comma/);
    expect(queryFilterProblem({ tags: { k: ["x,y"] } })).toMatch(/comma/);
    expect(queryFilterProblem({ events: ["a"], tags: { k: ["x"] } })).toBeUndefined();
  });
});

describe("filterProblem", () => {
  it("refuses a tag key named with no values", () => {
    expect(filterProblem({ tags: { region: [] } })).toMatch(/at least one value/);
  });
});

describe("matchesFilter", () => {
  it("matches everything without a filter", () => {
    expect(matchesFilter(undefined, msg("anything"))).toBe(true);
  });

  it("matches exact event names", () => {
    const f = filter({ events: ["order.paid", "user.joined"] });
    expect(matchesFilter(f, msg("order.paid"))).toBe(true);
    expect(matchesFilter(f, msg("user.joined"))).toBe(true);
    expect(matchesFilter(f, msg("order.refunded"))).toBe(false);
  });

  it("matches events that begin with a prefix entry's text before the *", () => {
    const f = filter({ events: ["order.*"] });
    expect(matchesFilter(f, msg("order.paid"))).toBe(true);
    expect(matchesFilter(f, msg("order.x.y"))).toBe(true);
    expect(matchesFilter(f, msg("orders.x"))).toBe(false);
    expect(matchesFilter(f, msg("order"))).toBe(false);
  });

  it("treats a * that does not follow a dot as part of an exact name", () => {
    const f = filter({ events: ["order*"] });
    expect(matchesFilter(f, msg("order*"))).toBe(true);
    expect(matchesFilter(f, msg("orders"))).toBe(false);
  });

  it("accepts any of several values given for a key", () => {
    const f = filter({ tags: { region: ["eu", "us"] } });
    expect(matchesFilter(f, msg("e", { region: "eu" }))).toBe(true);
    expect(matchesFilter(f, msg("e", { region: "us", tier: "gold" }))).toBe(true);
    expect(matchesFilter(f, msg("e", { region: "apac" }))).toBe(false);
  });

  it("needs every key named, so untagged messages fail a tag filter", () => {
    const f = filter({ tags: { region: ["eu"], tier: ["gold"] } });
    expect(matchesFilter(f, msg("e", { region: "eu", tier: "gold" }))).toBe(true);
    expect(matchesFilter(f, msg("e", { region: "eu" }))).toBe(false);
    expect(matchesFilter(f, msg("e"))).toBe(false);
  });

  it("needs both parts when both are present", () => {
    const f = filter({ events: ["order.*"], tags: { region: ["eu"] } });
    expect(matchesFilter(f, msg("order.paid", { region: "eu" }))).toBe(true);
    expect(matchesFilter(f, msg("order.paid", { region: "us" }))).toBe(false);
    expect(matchesFilter(f, msg("user.joined", { region: "eu" }))).toBe(false);
  });

  it("never reads a tag from the object prototype", () => {
    const f = filter({ tags: { constructor: ["x"], tostring: ["y"] } });
    expect(matchesFilter(f, msg("e", {}))).toBe(false);
  });
});

describe("filterOf and canonicalFilterKey", () => {
  it("clears the filter when neither part constrains anything", () => {
    expect(filterOf({})).toBeUndefined();
    expect(filterOf({ events: [], tags: {} })).toBeUndefined();
    expect(canonicalFilterKey(undefined)).toBe(ALL_MESSAGES_KEY);
  });

  it("gives equal keys to filters that differ only in order and repetition", () => {
    const a = filter({ events: ["b", "a.*", "a", "b"], tags: { y: ["2", "1"], x: ["1"] } });
    const b = filter({ tags: { x: ["1", "1"], y: ["1", "2"] }, events: ["a", "a.*", "b"] });
    expect(canonicalFilterKey(a)).toBe(canonicalFilterKey(b));
    expect(canonicalFilterKey(a)).not.toBe(ALL_MESSAGES_KEY);
  });

  it("gives different keys to filters that match differently", () => {
    const keys = [
      filter({ events: ["a"] }),
      filter({ events: ["a.*"] }),
      filter({ tags: { a: ["1"] } }),
      filter({ events: ["a"], tags: { a: ["1"] } }),
      undefined,
    ].map(canonicalFilterKey);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("survives JSON unchanged, as the upgrade header and the attachment carry it", () => {
    const f = filter({ events: ["order.*", "x"], tags: { region: ["us", "eu"] } });
    expect(JSON.parse(JSON.stringify(f))).toEqual(f);
    expect(canonicalFilterKey(JSON.parse(JSON.stringify(f)))).toBe(canonicalFilterKey(f));
  });

  it("states a filter back as the filtered frame does: prefixes as prefix.*, empty parts for none", () => {
    expect(specOf(filter({ events: ["b", "order.*", "a"], tags: { r: ["2", "1"] } }))).toEqual({
      events: ["a", "b", "order.*"],
      tags: { r: ["1", "2"] },
    });
    expect(specOf(undefined)).toEqual({ events: [], tags: {} });
  });
});
