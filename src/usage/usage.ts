// The Usage Durable Object: one per tenant and partition (USAGE_PARTITIONS). Rooms, their shards
// and the Worker flush counts to it in batches; it keeps the tenant's series and the live part of
// the rooms list, and deletes what is past retention from its alarm.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { log } from "../log.ts";
import { writeAnalytics } from "./analytics.ts";
import { MINUTE_MS, minuteOf, type Step } from "./buckets.ts";
import type { ReportAnswer, UsageReport } from "./report.ts";
import { type RoomEntry, RoomsIndex, type RoomsQuery } from "./rooms-index.ts";
import { type SeriesRow, SeriesStore } from "./series-store.ts";

/** With no live sockets left, the alarm still runs this often to delete what is past retention. */
const IDLE_ALARM_MS = 3_600_000;
/** The gauge is written just after each minute starts, so a quiet minute still has its row. */
const MINUTE_ALARM_OFFSET_MS = 1_000;

export type LiveTotals = { connections: number; rooms: number };

export class Usage extends DurableObject<Env> {
  private readonly series: SeriesStore;
  private readonly index: RoomsIndex;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.series = new SeriesStore(ctx.storage.sql);
    this.index = new RoomsIndex(ctx.storage.sql);
  }

  /**
   * One flush from a counting object. Applied at most once per flush id (see UsageReport.flushId),
   * counts and live snapshot together.
   */
  async report(r: UsageReport): Promise<ReportAnswer> {
    const now = Date.now();
    const applied = this.ctx.storage.transactionSync(() => {
      const last = this.index.lastFlushId(r.reporter);
      if (last !== undefined && r.flushId <= last) return false;
      this.series.addCounts(r.counts);
      const change = this.index.record(r.reporter, r.flushId, r.live, now);
      if (r.live !== undefined || change !== 0) {
        const total = this.series.total() + change;
        // The reporter's own high-water mark, on top of everyone else's sockets now.
        const spike = r.live === undefined ? total : total - r.live.connections + r.live.peak;
        this.series.setTotal(minuteOf(now), total, spike);
      }
      return true;
    });
    if (!applied) return { applied };
    try {
      writeAnalytics(this.env.USAGE_ANALYTICS, r);
    } catch (err) {
      // Analytics Engine is a copy for dashboards: a refused point must not fail a counted flush.
      log("usage_analytics_failed", { tenant: r.tenant, error: String(err) });
    }
    await this.keepAlarm(now);
    return { applied };
  }

  /** Rows of buckets `first` to `last`, the gauge brought up to now first. */
  async rows(step: Step, first: number, last: number): Promise<SeriesRow[]> {
    const now = Date.now();
    this.ctx.storage.transactionSync(() => this.series.setTotal(minuteOf(now), this.series.total()));
    return this.series.read(step, first, last);
  }

  async rooms(q: RoomsQuery): Promise<RoomEntry[]> {
    return this.index.page(q, Date.now());
  }

  async live(): Promise<LiveTotals> {
    return this.index.total(Date.now());
  }

  /**
   * Each minute while sockets are live: drops reporters whose lease ran out and writes the
   * minute's gauge. Always: deletes rows past retention.
   */
  override async alarm(): Promise<void> {
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      this.index.prune(now);
      // Recounted from the reporters rather than trusted from the running total: self-healing.
      this.series.setTotal(minuteOf(now), this.index.total(now).connections);
      this.series.prune(now);
    });
    const next = this.nextAlarm(now);
    if (next !== undefined) await this.ctx.storage.setAlarm(next);
  }

  /** Every minute while sockets are live; hourly while rows are kept; never for an empty object. */
  private nextAlarm(now: number): number | undefined {
    if (this.series.total() > 0) return (minuteOf(now) + 1) * MINUTE_MS + MINUTE_ALARM_OFFSET_MS;
    return this.series.isEmpty() ? undefined : now + IDLE_ALARM_MS;
  }

  /** Keeps an alarm set no later than the next one this object needs. */
  private async keepAlarm(now: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    const wanted = this.nextAlarm(now);
    if (wanted !== undefined && (current === null || current > wanted)) await this.ctx.storage.setAlarm(wanted);
  }
}
