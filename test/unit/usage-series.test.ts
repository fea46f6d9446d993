// The usage series as pure functions: which buckets a range covers, which ranges are refused, and
// how the rows of several partitions become one answer with every bucket present.
import { describe, expect, it } from "vitest";
import { GatewayError } from "../../src/errors.ts";
import { bucketRange, HOUR_MS, MINUTE_MS } from "../../src/usage/buckets.ts";
import { assembleBuckets, totalsOf } from "../../src/usage/series.ts";

const NOW = Date.parse("2026-12-01T10:30:20Z");
const minute = (iso: string) => Date.parse(iso) / MINUTE_MS;

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof GatewayError) return `${err.code}: ${err.message}`;
    throw err;
  }
  return "no error";
}

describe("bucketRange", () => {
  it("covers the last hour by minute, or the last week by hour, with the bucket now in, when from and to are left out", () => {
    const minutes = bucketRange({ step: "minute" }, NOW);
    expect(minutes.last - minutes.first + 1).toBe(61);
    expect(minutes.last * MINUTE_MS).toBe(Date.parse("2026-12-01T10:30:00Z"));
    const hours = bucketRange({ step: "hour" }, NOW);
    expect(hours.last - hours.first + 1).toBe(7 * 24 + 1);
  });

  it("rounds from down and to up to whole steps", () => {
    const r = bucketRange(
      { step: "hour", from: Date.parse("2026-12-01T08:59:59Z"), to: Date.parse("2026-12-01T09:00:01Z") },
      NOW,
    );
    expect([r.first * HOUR_MS, r.last * HOUR_MS]).toEqual([
      Date.parse("2026-12-01T08:00:00Z"),
      Date.parse("2026-12-01T09:00:00Z"),
    ]);
  });

  it("refuses a range that ends before it starts", () => {
    expect(refusal(() => bucketRange({ step: "minute", from: NOW, to: NOW - 1 }, NOW))).toBe(
      "invalid_query: from must be before to",
    );
  });

  it("refuses to reach further back than the step's rows are kept", () => {
    expect(refusal(() => bucketRange({ step: "minute", from: NOW - 49 * HOUR_MS }, NOW))).toMatch(
      /^invalid_query: step=minute rows are kept 48 hours: from must be at or after 2026-11-29T10:30:00.000Z$/,
    );
    expect(bucketRange({ step: "minute", from: NOW - 48 * HOUR_MS }, NOW).first).toBe(minute("2026-11-29T10:30:00Z"));
    expect(refusal(() => bucketRange({ step: "hour", from: NOW - 91 * 24 * HOUR_MS }, NOW))).toMatch(
      /step=hour rows are kept 2160 hours/,
    );
  });

  it("refuses a range that ends more than one step in the future", () => {
    expect(refusal(() => bucketRange({ step: "minute", to: NOW + 2 * MINUTE_MS }, NOW))).toBe(
      "invalid_query: to must be at most one minute from now",
    );
  });
});

describe("assembleBuckets", () => {
  const range = bucketRange(
    { step: "minute", from: Date.parse("2026-12-01T10:00:00Z"), to: Date.parse("2026-12-01T10:03:00Z") },
    NOW,
  );

  it("answers every bucket, empty ones with zeros and all three message sources", () => {
    const buckets = assembleBuckets(range, []);
    expect(buckets.map((b) => b.start)).toEqual([
      "2026-12-01T10:00:00.000Z",
      "2026-12-01T10:01:00.000Z",
      "2026-12-01T10:02:00.000Z",
    ]);
    expect(buckets[1]).toEqual({
      start: "2026-12-01T10:01:00.000Z",
      connections: 0,
      peakConnections: 0,
      connects: 0,
      disconnects: {},
      messages: { http: 0, batch: 0, ws: 0 },
      deliveries: 0,
      bytesDelivered: 0,
      historyReads: 0,
      refusals: {},
      webhooks: { delivered: 0, failed: 0, retried: 0, deadLettered: 0 },
    });
  });

  it("adds the rows of every partition into their bucket, labels kept apart", () => {
    const m = minute("2026-12-01T10:01:00Z");
    const rows = [
      { bucket: m, metric: "messages", label: "http", value: 2 },
      { bucket: m, metric: "messages", label: "http", value: 3 },
      { bucket: m, metric: "messages", label: "ws", value: 1 },
      { bucket: m, metric: "refusals", label: "forbidden", value: 4 },
      { bucket: m, metric: "refusals", label: "rate_limited", value: 1 },
      { bucket: m, metric: "disconnects", label: "1000", value: 2 },
      { bucket: m, metric: "connections", label: "", value: 5 },
      { bucket: m, metric: "connections", label: "", value: 7 },
      { bucket: m, metric: "peakConnections", label: "", value: 9 },
      { bucket: m + 1, metric: "deliveries", label: "", value: 40 },
      { bucket: m + 1, metric: "bytesDelivered", label: "", value: 4000 },
      { bucket: m, metric: "webhooks", label: "delivered", value: 6 },
      { bucket: m + 1, metric: "webhooks", label: "delivered", value: 1 },
      { bucket: m + 1, metric: "webhooks", label: "retried", value: 2 },
      // Outside the range, a metric and a webhook outcome this version does not know: all ignored.
      { bucket: m + 5, metric: "deliveries", label: "", value: 1 },
      { bucket: m, metric: "webhookDeliveries", label: "", value: 1 },
      { bucket: m, metric: "webhooks", label: "exploded", value: 1 },
    ];
    const buckets = assembleBuckets(range, rows);
    expect(buckets[1]).toMatchObject({
      connections: 12,
      peakConnections: 9,
      messages: { http: 5, batch: 0, ws: 1 },
      refusals: { forbidden: 4, rate_limited: 1 },
      disconnects: { "1000": 2 },
    });
    expect(buckets[2]).toMatchObject({ deliveries: 40, bytesDelivered: 4000 });
    expect(buckets[1]?.webhooks).toEqual({ delivered: 6, failed: 0, retried: 0, deadLettered: 0 });
    expect(totalsOf(range, rows, buckets)).toEqual({
      connects: 0,
      disconnects: { "1000": 2 },
      messages: { http: 5, batch: 0, ws: 1 },
      deliveries: 40,
      bytesDelivered: 4000,
      historyReads: 0,
      refusals: { forbidden: 4, rate_limited: 1 },
      webhooks: { delivered: 7, failed: 0, retried: 2, deadLettered: 0 },
      peakConnections: 9,
    });
  });
});
