// What counting objects hand the usage store: buffered counts, flush ids that only grow, the
// Worker's refusal flushes (a failed one sent again with its own id), Analytics Engine points, and
// the rooms list's cursors and merge across partitions.
import { describe, expect, it } from "vitest";
import { GatewayError } from "../../src/errors.ts";
import { analyticsPoints, COUNT_DOUBLES, writeAnalytics } from "../../src/usage/analytics.ts";
import { IsolateCounts } from "../../src/usage/isolate-counts.ts";
import { mergePages } from "../../src/usage/partitions.ts";
import { CountBuffer, nextFlushId, type UsageReport } from "../../src/usage/report.ts";
import { decodeRoomsCursor, encodeRoomsCursor } from "../../src/usage/rooms-cursor.ts";
import { RefusalCounter } from "../../src/usage/worker-refusals.ts";

describe("CountBuffer", () => {
  it("adds up counts per minute, counter and label, and empties on drain", () => {
    const b = new CountBuffer();
    b.add(10, "messages", "http");
    b.add(10, "messages", "http", 2);
    b.add(10, "messages", "ws");
    b.add(11, "messages", "http");
    b.add(11, "deliveries", "", 0);
    expect(b.drain()).toEqual([
      { minute: 10, counter: "messages", label: "http", value: 3 },
      { minute: 10, counter: "messages", label: "ws", value: 1 },
      { minute: 11, counter: "messages", label: "http", value: 1 },
    ]);
    expect(b.size).toBe(0);
  });
});

describe("nextFlushId", () => {
  it("follows the clock, and moves past the previous id when the clock has not", () => {
    expect(nextFlushId(0, 1_000)).toBe(1_000);
    expect(nextFlushId(1_000, 1_000)).toBe(1_001);
    expect(nextFlushId(5_000, 1_000)).toBe(5_001);
  });
});

describe("RefusalCounter", () => {
  const T0 = Date.parse("2026-12-01T10:00:00Z");

  it("asks for one flush per quiet spell and sends one report per tenant with everything held", async () => {
    const counter = new RefusalCounter();
    expect(counter.add("acme", "forbidden", T0)).toBe(true);
    expect(counter.add("acme", "forbidden", T0 + 1)).toBe(false);
    expect(counter.add("globex", "rate_limited", T0 + 2)).toBe(false);
    const sent: UsageReport[] = [];
    await counter.flush(async (r) => sent.push(r), T0 + 5_000);
    expect(sent.map((r) => [r.tenant, r.counts])).toEqual([
      ["acme", [{ minute: T0 / 60_000, counter: "refusals", label: "forbidden", value: 2 }]],
      ["globex", [{ minute: T0 / 60_000, counter: "refusals", label: "rate_limited", value: 1 }]],
    ]);
    expect(sent[0]?.reporter).toMatch(/^worker:[0-9a-f-]{36}$/);
    expect(counter.add("acme", "forbidden", T0 + 6_000)).toBe(true);
  });

  it("sends a failed report again with its own flush id, before anything newer", async () => {
    const counter = new RefusalCounter();
    counter.add("acme", "forbidden", T0);
    await counter.flush(async () => {
      throw new Error("object overloaded");
    }, T0 + 5_000);
    counter.add("acme", "rate_limited", T0 + 6_000);
    const sent: UsageReport[] = [];
    await counter.flush(async (r) => sent.push(r), T0 + 11_000);
    expect(sent.map((r) => [r.flushId, r.counts.map((c) => c.label)])).toEqual([
      [T0 + 5_000, ["forbidden"]],
      [T0 + 11_000, ["rate_limited"]],
    ]);
  });
});

describe("analyticsPoints", () => {
  const report: UsageReport = {
    tenant: "acme",
    reporter: "acme/lobby",
    flushId: 1,
    live: { room: "lobby", connections: 3, users: 2, peak: 4 },
    counts: [
      { minute: 1, counter: "messages", label: "http", value: 2 },
      { minute: 2, counter: "messages", label: "http", value: 1 },
      { minute: 2, counter: "messages", label: "ws", value: 5 },
      { minute: 2, counter: "deliveries", label: "", value: 30 },
      { minute: 2, counter: "refusals", label: "rate_limited", value: 2 },
      { minute: 2, counter: "disconnects", label: "1006", value: 1 },
      { minute: 2, counter: "webhooks", label: "delivered", value: 7 },
      { minute: 2, counter: "webhooks", label: "deadLettered", value: 2 },
    ],
  };

  it("writes one counts point per flush and one point per refusal and close code", () => {
    const [counts, ...labelled] = analyticsPoints(report);
    expect(counts?.indexes).toEqual(["acme"]);
    expect(counts?.blobs).toEqual(["acme", "lobby", "counts"]);
    const doubles = Object.fromEntries(COUNT_DOUBLES.map((name, i) => [name, counts?.doubles[i]]));
    expect(doubles).toEqual({
      connects: 0,
      disconnects: 1,
      messages_http: 3,
      messages_batch: 0,
      messages_ws: 5,
      deliveries: 30,
      bytesDelivered: 0,
      historyReads: 0,
      refusals: 2,
      connections: 3,
      webhooks_delivered: 7,
      webhooks_failed: 0,
      webhooks_retried: 0,
      webhooks_deadLettered: 2,
    });
    expect(labelled).toEqual([
      { indexes: ["acme"], blobs: ["acme", "lobby", "refusals", "rate_limited"], doubles: [2] },
      { indexes: ["acme"], blobs: ["acme", "lobby", "disconnects", "1006"], doubles: [1] },
    ]);
  });

  it("writes nothing for a heartbeat without counts, or without a dataset", () => {
    expect(analyticsPoints({ ...report, counts: [] })).toEqual([]);
    expect(writeAnalytics(undefined, report)).toBe(0);
    const written: unknown[] = [];
    expect(writeAnalytics({ writeDataPoint: (p) => written.push(p) }, report)).toBe(3);
    expect(written).toHaveLength(3);
  });
});

describe("rooms cursors and pages", () => {
  const entry = (room: string, connections: number) => ({ room, connections, users: 1, shards: 1 });

  it("round-trips a cursor and refuses one that is forged or belongs to the other sort", () => {
    expect(decodeRoomsCursor(encodeRoomsCursor("name", entry("b", 3)), "name")).toEqual({
      room: "b",
      connections: undefined,
    });
    expect(decodeRoomsCursor(encodeRoomsCursor("connections", entry("b", 3)), "connections")).toEqual({
      room: "b",
      connections: 3,
    });
    const codes = [
      "not-base64!",
      btoa('{"sort":"name","room":"bad room"}'),
      encodeRoomsCursor("name", entry("b", 3)),
    ].map((cursor) => {
      try {
        decodeRoomsCursor(cursor, cursor.startsWith("not") ? "name" : "connections");
        return "accepted";
      } catch (err) {
        return err instanceof GatewayError ? `${err.code}: ${err.message}` : String(err);
      }
    });
    expect(codes).toEqual([
      "invalid_query: cursor is not one this API gave out",
      "invalid_query: cursor is not one this API gave out",
      "invalid_query: cursor belongs to sort=name: ask with the same sort",
    ]);
  });

  it("merges the partitions' pages in the page's order and says whether more remain", () => {
    const parts = [
      [entry("a", 1), entry("c", 9), entry("e", 2)],
      [entry("b", 5), entry("d", 5)],
    ];
    expect(mergePages(parts, "name", 4)).toEqual({
      rooms: [entry("a", 1), entry("b", 5), entry("c", 9), entry("d", 5)],
      more: true,
    });
    expect(mergePages(parts, "connections", 5).rooms.map((r) => r.room)).toEqual(["c", "b", "d", "e", "a"]);
    expect(mergePages(parts, "connections", 5).more).toBe(false);
  });
});

describe("IsolateCounts", () => {
  const T0 = Date.parse("2026-12-01T10:00:00Z");

  it("runs one flush at a time: a flush asked for meanwhile is left to the running one, which sends it in order", async () => {
    const counts = new IsolateCounts("webhooks");
    counts.add("acme", "webhooks", "delivered", 3, T0);
    const sent: UsageReport[] = [];
    let release: () => void = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    const slow = async (r: UsageReport) => {
      sent.push(r);
      if (sent.length === 1) await held;
    };
    const first = counts.flush(slow, T0 + 1_000);
    counts.add("acme", "webhooks", "failed", 2, T0 + 1_500);
    // Answers at once, sending nothing: the running flush takes these counts too.
    await counts.flush(slow, T0 + 2_000);
    expect(sent).toHaveLength(1);
    release();
    await first;
    expect(sent.map((r) => [r.reporter.split(":")[0], r.flushId, r.counts.map((c) => [c.label, c.value])])).toEqual([
      ["webhooks", T0 + 1_000, [["delivered", 3]]],
      ["webhooks", T0 + 1_001, [["failed", 2]]],
    ]);
    expect(counts.tenants).toBe(0);
  });

  it("does not wait on a flush that has run past a minute (its request was cut off)", async () => {
    const counts = new IsolateCounts("webhooks");
    counts.add("acme", "webhooks", "delivered", 1, T0);
    void counts.flush(() => new Promise(() => {}), T0);
    counts.add("acme", "webhooks", "delivered", 1, T0 + 1);
    const sent: UsageReport[] = [];
    await counts.flush(async (r) => sent.push(r), T0 + 61_000);
    // The stuck report is sent again first (the usage object would ignore it if it had arrived).
    expect(sent.map((r) => r.counts.map((c) => c.value))).toEqual([[1], [1]]);
  });
});
