// GET /v1/admin/usage over real usage objects: flushes handed straight to the object (the flush
// RPC rooms and the Worker use), read back exactly, per minute and rolled up per hour; repeats
// counted once; retention by alarm; the range rules' 400s; the Worker's own refusals.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { UsageAnswer } from "../../src/usage/answers.ts";
import { HOUR_MS, MINUTE_MS } from "../../src/usage/buckets.ts";
import type { Counter } from "../../src/usage/metrics.ts";
import { usageObjectName } from "../../src/usage/partitions.ts";
import type { UsageReport } from "../../src/usage/report.ts";
import { SeriesStore } from "../../src/usage/series-store.ts";
import { errorOf, request, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { apiKey } from "../support/tokens.ts";

beforeAll(warmUp, WARM_UP_MS);

const usageObject = (tenant: string) => env.USAGE.get(env.USAGE.idFromName(usageObjectName(tenant, 0)));

let flushes = 0;
function report(counts: [number, Counter, string, number][], reporter = `acme/room-${++flushes}`): UsageReport {
  return {
    tenant: "acme",
    reporter,
    flushId: Date.now() + flushes,
    counts: counts.map(([minute, counter, label, value]) => ({ minute, counter, label, value })),
  };
}

const usage = (query: string, key = apiKey("adminacme")) =>
  request(`/v1/admin/usage${query}`, { headers: { authorization: `Bearer ${key}` } });

async function series(query: string): Promise<UsageAnswer> {
  const res = await usage(query);
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json();
}

/** A whole hour `hoursAgo` hours back, and its first minute: each test counts in an hour of its own. */
function hourBack(hoursAgo: number) {
  const start = (Math.floor(Date.now() / HOUR_MS) - hoursAgo) * HOUR_MS;
  const iso = (ms: number) => new Date(ms).toISOString();
  return { start, minute: start / MINUTE_MS, from: iso(start), to: iso(start + HOUR_MS) };
}

describe("GET /v1/admin/usage", () => {
  it("answers each counter exactly in its minute, and the hour as the sum of its minutes", async () => {
    const h = hourBack(3);
    await usageObject("acme").report(
      report([
        [h.minute, "connects", "", 3],
        [h.minute, "messages", "http", 2],
        [h.minute + 59, "messages", "http", 5],
        [h.minute + 59, "messages", "batch", 100],
        [h.minute + 59, "deliveries", "", 321],
        [h.minute + 59, "bytesDelivered", "", 65_432],
        [h.minute + 59, "historyReads", "", 4],
        [h.minute + 59, "disconnects", "1000", 2],
        [h.minute + 59, "disconnects", "4001", 1],
        [h.minute + 59, "refusals", "rate_limited", 6],
      ]),
    );
    const minutes = await series(`?step=minute&from=${h.from}&to=${h.to}`);
    expect(minutes.buckets).toHaveLength(60);
    expect(minutes.buckets[0]).toMatchObject({ start: new Date(h.start).toISOString(), connects: 3 });
    expect(minutes.buckets[0]?.messages).toEqual({ http: 2, batch: 0, ws: 0 });
    expect(minutes.buckets[59]).toMatchObject({
      messages: { http: 5, batch: 100, ws: 0 },
      deliveries: 321,
      bytesDelivered: 65_432,
      historyReads: 4,
      disconnects: { "1000": 2, "4001": 1 },
      refusals: { rate_limited: 6 },
    });
    expect(minutes.buckets.slice(1, 59).every((b) => b.connects === 0 && b.messages.http === 0)).toBe(true);

    const hours = await series(`?step=hour&from=${h.from}&to=${h.to}`);
    expect(hours.buckets).toHaveLength(1);
    const { start: _, ...hour } = hours.buckets[0] ?? { start: "" };
    const { peakConnections: __, ...minuteTotals } = minutes.totals;
    expect(hour).toMatchObject(minuteTotals);
    expect(hours.totals.messages).toEqual({ http: 7, batch: 100, ws: 0 });
  });

  it("counts a flush once, however often it is repeated", async () => {
    const h = hourBack(4);
    const once = report([[h.minute, "messages", "ws", 9]]);
    expect(await usageObject("acme").report(once)).toEqual({ applied: true });
    expect(await usageObject("acme").report(once)).toEqual({ applied: false });
    expect(await usageObject("acme").report({ ...once, flushId: once.flushId - 1 })).toEqual({ applied: false });
    expect(await usageObject("acme").report({ ...once, flushId: once.flushId + 1 })).toEqual({ applied: true });
    expect((await series(`?from=${h.from}&to=${h.to}`)).totals.messages.ws).toBe(18);
  });

  it("keeps one tenant's usage from another's", async () => {
    const h = hourBack(5);
    await usageObject("globex").report({ ...report([[h.minute, "connects", "", 7]]), tenant: "globex" });
    expect((await series(`?from=${h.from}&to=${h.to}`)).totals.connects).toBe(0);
  });

  it("deletes per-minute rows after 48 hours and per-hour rows after 90 days, from the alarm", async () => {
    const stub = usageObject("acme");
    const now = Date.now();
    const minute = (msAgo: number) => Math.floor((now - msAgo) / MINUTE_MS);
    await stub.report(report([[minute(0), "connects", "", 1]]));
    await runInDurableObject(stub, (_i, state) =>
      new SeriesStore(state.storage.sql).addCounts([
        { minute: minute(49 * HOUR_MS), counter: "connects", label: "", value: 1 },
        { minute: minute(47 * HOUR_MS), counter: "connects", label: "", value: 1 },
        { minute: minute(91 * 24 * HOUR_MS), counter: "connects", label: "", value: 1 },
      ]),
    );
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const kept = await runInDurableObject(stub, (_i, state) => ({
      minutes: state.storage.sql
        .exec<{ bucket: number }>("SELECT bucket FROM usage_minutes WHERE metric = 'connects' ORDER BY bucket")
        .toArray()
        .map((r) => r.bucket),
      hours: state.storage.sql
        .exec<{ bucket: number }>("SELECT bucket FROM usage_hours WHERE metric = 'connects' ORDER BY bucket")
        .toArray()
        .map((r) => r.bucket),
    }));
    expect(kept.minutes).not.toContain(minute(49 * HOUR_MS));
    expect(kept.minutes).toContain(minute(47 * HOUR_MS));
    expect(kept.hours).toContain(Math.floor(minute(49 * HOUR_MS) / 60));
    expect(kept.hours).not.toContain(Math.floor(minute(91 * 24 * HOUR_MS) / 60));
  });

  it("answers the live sockets and their gauge from the rooms' snapshots", async () => {
    const stub = usageObject("acme");
    await stub.report({
      ...report([]),
      reporter: "acme/gauge#0",
      live: { room: "gauge", connections: 4, users: 2, peak: 6 },
    });
    await stub.report({
      ...report([]),
      reporter: "acme/gauge#1",
      live: { room: "gauge", connections: 3, users: 3, peak: 3 },
    });
    const now = await series("?step=minute");
    expect(now.live).toEqual({ connections: 7, rooms: 1 });
    const current = now.buckets.at(-1);
    expect(current?.connections).toBe(7);
    // Shard 0 had 6 at once while shard 1 had none yet: the peak seen is 6, and then 7.
    expect(current?.peakConnections).toBe(7);
    await stub.report({
      ...report([]),
      reporter: "acme/gauge#0",
      live: { room: "gauge", connections: 0, users: 0, peak: 4 },
    });
    await stub.report({
      ...report([]),
      reporter: "acme/gauge#1",
      live: { room: "gauge", connections: 0, users: 0, peak: 3 },
    });
    const after = await series("?step=minute");
    expect(after.live).toEqual({ connections: 0, rooms: 0 });
    expect(after.buckets.at(-1)).toMatchObject({ connections: 0, peakConnections: 7 });
  });

  it("refuses a bad range with a clear 400", async () => {
    const cases: [string, string][] = [
      ["?step=day", "step must be minute or hour"],
      ["?from=yesterday", "must be an RFC 3339 time with a zone, like 2026-12-01T10:00:00Z"],
      ["?from=2026-12-01T10:00:00", "must be an RFC 3339 time with a zone, like 2026-12-01T10:00:00Z"],
    ];
    for (const [query, message] of cases) {
      const res = await usage(query);
      const body = (await res.json()) as {
        error: { code: string; details: { fieldErrors: Record<string, string[]> } };
      };
      expect([res.status, body.error.code]).toEqual([400, "invalid_query"]);
      expect(Object.values(body.error.details.fieldErrors).flat()).toContain(message);
    }
    const backwards = await usage(`?from=${hourBack(1).to}&to=${hourBack(1).from}`);
    expect(await backwards.json()).toEqual({ error: { code: "invalid_query", message: "from must be before to" } });
    const tooOld = await usage(`?step=minute&from=${hourBack(49).from}`);
    expect((await errorOf(tooOld)).code).toBe("invalid_query");
  });

  it("is for a tenant's admin key only", async () => {
    expect(await errorOf(await usage("", apiKey("pubacme")))).toMatchObject({ status: 403, code: "forbidden" });
    expect(await errorOf(await request("/v1/admin/usage"))).toMatchObject({ status: 401, code: "missing_token" });
  });
});

describe("refusals the Worker answers", () => {
  it("are counted for the refused credential's tenant, exactly, after the isolate's flush", async () => {
    const forbidden = () => usage("", apiKey("pubglobex"));
    for (let i = 0; i < 3; i++) expect((await forbidden()).status).toBe(403);
    const counted = async () => {
      const rows = await usageObject("globex").rows("hour", 0, Number.MAX_SAFE_INTEGER);
      return rows.filter((r) => r.metric === "refusals" && r.label === "forbidden").reduce((n, r) => n + r.value, 0);
    };
    // The isolate flushes FLUSH_AFTER_MS after the first refusal; poll, bounded, rather than sleep.
    await expect.poll(counted, { timeout: 15_000, interval: 250 }).toBe(3);
  });
});
