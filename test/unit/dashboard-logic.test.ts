// The dashboard's pure parts: reading server-sent events from fetch chunks, and turning usage
// answers into chart columns and the refusals table.
import { describe, expect, it } from "vitest";
import { chartColumns, refusalRows } from "../../dashboard/src/series.ts";
import { SseParser } from "../../dashboard/src/sse.ts";

describe("SseParser", () => {
  it("completes events across chunk boundaries, with any line ending, skipping comments", () => {
    const p = new SseParser();
    expect(p.push('event: ready\r\ndata: {"seq"')).toEqual([]);
    expect(p.push(":4}\r\n\r\n: keep-alive\n\nevent: message\nid: 5\ndata: a\ndata: b\r")).toEqual([
      { event: "ready", data: '{"seq":4}' },
    ]);
    expect(p.push("\r")).toEqual([{ event: "message", data: "a\nb", id: "5" }]);
  });

  it("names an event without an event field `message`, and drops one without data", () => {
    const p = new SseParser();
    expect(p.push("data:x\n\nevent: ping\n\n")).toEqual([{ event: "message", data: "x" }]);
  });
});

describe("dashboard series", () => {
  const bucket = (start: string, peak: number, http: number, ws: number) => ({
    start,
    connections: 0,
    peakConnections: peak,
    messages: { http, batch: 0, ws },
  });

  it("charts peak connections and all messages per bucket, time in epoch seconds", () => {
    expect(
      chartColumns([bucket("2026-12-01T10:00:00.000Z", 3, 1, 2), bucket("2026-12-01T10:01:00.000Z", 4, 0, 0)]),
    ).toEqual([
      [Date.parse("2026-12-01T10:00:00Z") / 1000, Date.parse("2026-12-01T10:01:00Z") / 1000],
      [3, 4],
      [3, 0],
    ]);
  });

  it("lists every refusal code of the hour or the week, most refused this week first", () => {
    const totals = (refusals: Record<string, number>) => ({ messages: { http: 0, batch: 0, ws: 0 }, refusals });
    expect(refusalRows(totals({ forbidden: 1 }), totals({ forbidden: 2, rate_limited: 9, invalid_body: 2 }))).toEqual([
      ["rate_limited", 0, 9],
      ["forbidden", 1, 2],
      ["invalid_body", 0, 2],
    ]);
  });
});
