// A token's `filter` claim as the most a socket may see: the intersection of two filters never
// takes a message either one refuses, and says so when it takes nothing at all.
import { describe, expect, it } from "vitest";
import {
  type Filter,
  type Filterable,
  filterInForce,
  filterOf,
  intersectFilters,
  matchesFilter,
  specOf,
  takesNothing,
} from "../../src/filter.ts";
import { tokenClaimsSchema } from "../../src/protocol.ts";
import type { FilterSpec } from "../../src/wire.ts";

const f = (spec: FilterSpec): Filter | undefined => filterOf(spec);

const messages: Filterable[] = [
  { event: "chat" },
  { event: "chat.sent", tags: { region: "eu" } },
  { event: "chat.sent", tags: { region: "us", tier: "gold" } },
  { event: "chat.read.all", tags: { region: "eu", tier: "gold" } },
  { event: "order.paid", tags: { region: "eu", tier: "gold" } },
  { event: "orders", tags: { region: "eu" } },
];

const specs: FilterSpec[] = [
  {},
  { events: ["chat.*"] },
  { events: ["chat.read.*", "order.paid"] },
  { events: ["chat", "chat.sent"] },
  { events: ["order.*"] },
  { tags: { region: ["eu"] } },
  { tags: { region: ["us", "eu"], tier: ["gold"] } },
  { events: ["chat.*"], tags: { region: ["us"] } },
  { tags: { tier: ["silver"] } },
];

describe("intersectFilters", () => {
  it("takes exactly the messages both filters take, for every pair of a corpus of filters", () => {
    for (const a of specs)
      for (const b of specs) {
        const both = intersectFilters(f(a), f(b));
        for (const m of messages)
          expect(matchesFilter(both, m), `${JSON.stringify(a)} ∩ ${JSON.stringify(b)} on ${JSON.stringify(m)}`).toBe(
            matchesFilter(f(a), m) && matchesFilter(f(b), m),
          );
      }
  });

  it("is undefined only when neither constrains, and the claim alone when the client asks nothing", () => {
    expect(intersectFilters(undefined, undefined)).toBeUndefined();
    const claim = f({ events: ["chat.*"] });
    expect(intersectFilters(claim, undefined)).toEqual(claim);
    expect(filterInForce({ enforced: claim })).toEqual(claim);
  });

  it("keeps the longer of two nested prefixes and exact names inside a prefix", () => {
    expect(intersectFilters(f({ events: ["chat.*"] }), f({ events: ["chat.read.*", "chat", "chat.x"] }))).toEqual({
      events: { exact: ["chat.x"], prefixes: ["chat.read."] },
    });
  });

  it("takes nothing when the client asks outside the claim, and the filtered frame says so", () => {
    const none = intersectFilters(f({ events: ["chat.*"] }), f({ events: ["order.*"] }));
    expect(takesNothing(none)).toBe(true);
    for (const m of messages) expect(matchesFilter(none, m)).toBe(false);
    expect(specOf(none)).toEqual({ events: [], tags: {}, empty: true });
    const noTag = intersectFilters(f({ tags: { region: ["eu"] } }), f({ tags: { region: ["us"] } }));
    expect(takesNothing(noTag)).toBe(true);
    expect(specOf(noTag)).toMatchObject({ empty: true });
    expect(takesNothing(f({ events: ["chat.*"] }))).toBe(false);
    expect(specOf(f({ events: ["chat.*"] }))).not.toHaveProperty("empty");
  });
});

describe("the filter claim", () => {
  const base = { sub: "ann", tenant: "acme", exp: 2_000_000_000 };

  it("reads the filter frame's syntax into the filter's normal form", () => {
    const claims = tokenClaimsSchema.parse({ ...base, filter: { events: ["chat.*", "x"], tags: { region: ["eu"] } } });
    expect(claims.filter).toEqual({ events: { exact: ["x"], prefixes: ["chat."] }, tags: { region: ["eu"] } });
    expect(tokenClaimsSchema.parse({ ...base, filter: {} }).filter).toBeUndefined();
  });

  it.each([
    ["a string", "chat.*"],
    ["events that are not a list", { events: "chat.*" }],
    ["an unknown field", { events: ["a"], rooms: ["x"] }],
    ["a bad event entry", { events: ["a\u0000"] }],
    ["a bad tag key", { tags: { "Bad Key": ["x"] } }],
    ["too many events", { events: Array.from({ length: 17 }, (_, i) => `e${i}`) }],
  ])("refuses %s", (_name, filter) => {
    expect(tokenClaimsSchema.safeParse({ ...base, filter }).success).toBe(false);
  });
});
