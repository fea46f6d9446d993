// The zod side of filters: the `filter` frame a room will accept, and the query a connect or a
// history read carries. The syntax itself is tested in filter.test.ts.
import { describe, expect, it } from "vitest";
import { filterOf } from "../../src/filter.ts";
import { filterFrameSchema, filterQuerySchema } from "../../src/protocol.ts";

describe("filterFrameSchema", () => {
  it("accepts events, tags, both, or neither (which clears the filter)", () => {
    for (const frame of [
      { type: "filter", events: ["order.*"] },
      { type: "filter", tags: { region: ["eu", "us"] } },
      { type: "filter", events: ["a"], tags: { region: ["eu"] } },
      { type: "filter" },
    ])
      expect(filterFrameSchema.parse(frame), JSON.stringify(frame)).toEqual(frame);
    expect(filterOf(filterFrameSchema.parse({ type: "filter" }))).toBeUndefined();
  });

  it("refuses bad syntax, unknown fields and too many entries", () => {
    for (const frame of [
      { type: "filter", events: [""] },
      { type: "filter", events: "order.*" },
      { type: "filter", events: Array.from({ length: 17 }, (_, i) => `e${i}`) },
      { type: "filter", tags: { Region: ["eu"] } },
      { type: "filter", tags: { region: [] } },
      { type: "filter", tags: { region: "eu" } },
      { type: "filter", tags: { region: ["x\u0000"] } },
      { type: "filter", tags: { a: Array.from({ length: 17 }, (_, i) => `v${i}`) } },
      { type: "filter", extra: 1 },
    ])
      expect(filterFrameSchema.safeParse(frame).success, JSON.stringify(frame)).toBe(false);
  });

  it("refuses a tag key __proto__ instead of dropping it", () => {
    expect(filterFrameSchema.safeParse(JSON.parse('{"type":"filter","tags":{"__proto__":["x"]}}')).success).toBe(false);
  });
});

describe("filterQuerySchema", () => {
  it("turns events and tags parameters into the normal form", () => {
    expect(filterQuerySchema.parse({ events: "b,a.*", tags: "r:2,r:1" })).toEqual({
      events: { exact: ["b"], prefixes: ["a."] },
      tags: { r: ["1", "2"] },
    });
  });

  it("is no filter when neither parameter constrains anything", () => {
    expect(filterQuerySchema.parse({})).toBeUndefined();
    expect(filterQuerySchema.parse({ events: "", tags: "" })).toBeUndefined();
  });

  it("names the problem with bad syntax", () => {
    const result = filterQuerySchema.safeParse({ tags: "region" });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/key:value/);
  });
});
