// The one percentile helper the bench and the e2e load suite share (scripts/lib/percentiles.ts).
import { describe, expect, it } from "vitest";
import { summarize, summarizeList } from "../../scripts/lib/percentiles.ts";

describe("summarizeList", () => {
  it("gives nearest-rank percentiles, each a real sample, whatever the input order", () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(summarizeList(values)).toEqual({ count: 100, p50: 50, p95: 95, p99: 99, max: 100 });
  });

  it("orders numbers by value, not as text", () => {
    expect(summarizeList([9, 10, 100, 2]).max).toBe(100);
    expect(summarizeList([9, 10, 100, 2]).p50).toBe(9);
  });

  it("gives the only sample for every percentile of one", () => {
    expect(summarizeList([7])).toEqual({ count: 1, p50: 7, p95: 7, p99: 7, max: 7 });
  });

  it("gives NaN, not 0, for no samples, so an empty run cannot pass for a fast one", () => {
    expect(summarizeList([])).toMatchObject({ count: 0, p50: Number.NaN, max: Number.NaN });
  });
});

describe("summarize", () => {
  it("reads only the filled prefix of a typed array", () => {
    const buffer = new Float64Array([3, 1, 2, 1000, 1000]);
    expect(summarize(buffer, 3)).toEqual({ count: 3, p50: 2, p95: 3, p99: 3, max: 3 });
  });
});
