// The meter a socket-holding object counts with, on real SQLite storage: counts written once by a
// timer and kept across an eviction (a new meter on the same storage), flushed in one report, a
// failed flush sent again with its own id and counted once by the usage object, and the flush
// schedule.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { COUNT_FLUSH_MS, FLUSH_RETRY_MS, PERSIST_DELAY_MS, type Timer, UsageMeter } from "../../src/usage/meter.ts";
import { usageObjectName } from "../../src/usage/partitions.ts";
import { HEARTBEAT_MS, LIVE_REPORT_DELAY_MS, type UsageReport } from "../../src/usage/report.ts";

const T0 = Date.parse("2026-12-01T10:00:00Z");
const who = { tenant: "acme", reporter: "acme/lobby", room: "lobby" };

/** Runs `fn` with the storage of a fresh object (a usage object stands in for a room here). */
const withStorage = <T>(fn: (sql: SqlStorage) => Promise<T>) =>
  runInDurableObject(env.USAGE.get(env.USAGE.newUniqueId()), (_i, state) => fn(state.storage.sql));

/** A timer the test runs by hand: the delays asked for, and the callbacks neither run nor cancelled. */
function handTimer() {
  const delays: number[] = [];
  const pending = new Set<() => void>();
  const timer: Timer = (fn, ms) => {
    delays.push(ms);
    pending.add(fn);
    return () => pending.delete(fn);
  };
  const fire = () => {
    for (const fn of pending) {
      pending.delete(fn);
      fn();
    }
  };
  return { timer, delays, pending, fire };
}

const storedSlots = (sql: SqlStorage) =>
  sql
    .exec<{ slot: string }>("SELECT slot FROM usage_outbox ORDER BY slot")
    .toArray()
    .map((r) => r.slot);

describe("UsageMeter", () => {
  it("keeps its counts through an eviction once its timer wrote them, and flushes them in one report", async () => {
    const sent = await withStorage(async (sql) => {
      const clock = handTimer();
      const meter = new UsageMeter(sql, who, clock.timer);
      meter.count("messages", "ws", 1, T0);
      meter.count("messages", "ws", 1, T0 + 1);
      meter.count("deliveries", "", 40, T0 + 2);
      clock.fire();
      // The object is evicted before its flush: a new life reads what the last one wrote.
      const next = new UsageMeter(sql, who);
      const reports: UsageReport[] = [];
      expect(await next.flush(async (r) => reports.push(r), T0 + 5_000, 0)).toBe(true);
      return reports;
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]?.counts).toEqual([
      { minute: T0 / 60_000, counter: "messages", label: "ws", value: 2 },
      { minute: T0 / 60_000, counter: "deliveries", label: "", value: 40 },
    ]);
  });

  it("writes a burst of counts and a rising peak once, when its timer runs", async () => {
    await withStorage(async (sql) => {
      const clock = handTimer();
      const meter = new UsageMeter(sql, who, clock.timer);
      for (let i = 1; i <= 50; i++) {
        meter.count("connects", "", 1, T0 + i);
        meter.setLive(i, T0 + i);
      }
      await Promise.resolve();
      expect(clock.delays).toEqual([PERSIST_DELAY_MS]);
      expect(storedSlots(sql)).toEqual([]);
      clock.fire();
      expect(storedSlots(sql)).toEqual(["open", "peak"]);
      // Written: the next count asks for a write of its own.
      meter.count("connects", "", 1, T0 + 2_000);
      expect(clock.delays).toEqual([PERSIST_DELAY_MS, PERSIST_DELAY_MS]);
      const reports: UsageReport[] = [];
      await meter.flush(async (r) => reports.push(r), T0 + 5_000, 1);
      // The flush sealed what was pending: nothing is left for the timer, which it cancelled.
      expect(clock.pending.size).toBe(0);
      expect(reports[0]?.counts).toEqual([{ minute: T0 / 60_000, counter: "connects", label: "", value: 51 }]);
      expect(reports[0]?.live?.peak).toBe(50);
    });
  });

  it("sends a failed flush again with its own id, so the usage object counts it once", async () => {
    const usageStub = () => env.USAGE.get(env.USAGE.idFromName(usageObjectName("acme", 0)));
    const reporter = `acme/meter-${crypto.randomUUID()}`;
    const ids = await withStorage(async (sql) => {
      // Made inside the object: a stub belongs to the object that made it.
      const usage = usageStub();
      const meter = new UsageMeter(sql, { ...who, reporter });
      meter.count("connects", "", 3, T0);
      const attempts: number[] = [];
      // Applied, but the answer is lost on the way back.
      await meter.flush(
        async (r) => {
          attempts.push(r.flushId);
          await usage.report(r);
          throw new Error("connection reset");
        },
        T0 + 5_000,
        0,
      );
      expect(meter.due()).toBe(T0 + 5_000 + FLUSH_RETRY_MS);
      meter.count("connects", "", 1, T0 + 6_000);
      await meter.flush(
        async (r) => {
          attempts.push(r.flushId);
          return usage.report(r);
        },
        T0 + 10_000,
        0,
      );
      return attempts;
    });
    expect(ids).toEqual([T0 + 5_000, T0 + 5_000, T0 + 10_000]);
    const rows = await usageStub().rows("minute", T0 / 60_000, T0 / 60_000);
    expect(rows.filter((r) => r.metric === "connects").map((r) => r.value)).toEqual([4]);
  });

  it("asks for a flush soon after a count, sooner after a change of sockets, and a heartbeat while it holds any", async () => {
    await withStorage(async (sql) => {
      const meter = new UsageMeter(sql, who);
      expect(meter.due()).toBeUndefined();
      meter.count("historyReads", "", 1, T0);
      expect(meter.due()).toBe(T0 + COUNT_FLUSH_MS);
      meter.setLive(2, T0 + 100);
      expect(meter.due()).toBe(T0 + 100 + LIVE_REPORT_DELAY_MS);
      const reports: UsageReport[] = [];
      await meter.flush(async (r) => reports.push(r), T0 + 2_100, 1);
      expect(reports[0]?.live).toEqual({ room: "lobby", connections: 2, users: 1, peak: 2 });
      expect(meter.due()).toBe(T0 + 2_100 + HEARTBEAT_MS);
      meter.setLive(5, T0 + 3_000);
      meter.setLive(1, T0 + 3_100);
      await meter.flush(async (r) => reports.push(r), T0 + 5_100, 1);
      expect(reports[1]?.live).toEqual({ room: "lobby", connections: 1, users: 1, peak: 5 });
      meter.setLive(0, T0 + 6_000);
      await meter.flush(async (r) => reports.push(r), T0 + 8_000, 0);
      expect(meter.idle()).toBe(true);
      expect(meter.due()).toBeUndefined();
    });
  });
});
