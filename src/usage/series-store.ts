// The usage series of one usage object in its SQLite storage: a row per bucket, metric and label,
// per minute and per hour. Both are written together (the hour is rolled up as the minute is
// written), so an hour always equals the sum of its minutes and no rollup job can fall behind.
import { hourOfMinute, MINUTE_MS, minuteOf, RETENTION_MS, type Step } from "./buckets.ts";
import type { CountDelta, Gauge } from "./metrics.ts";

export type SeriesRow = { bucket: number; metric: string; label: string; value: number };

type GaugeState = { minute: number; total: number };

const TABLE: Record<Step, string> = { minute: "usage_minutes", hour: "usage_hours" };
/** The longest gap (in minutes) filled with a carried gauge: longer than minutes are kept is pointless. */
const MAX_GAP_MINUTES = RETENTION_MS.minute / MINUTE_MS;

export class SeriesStore {
  private readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
    for (const table of Object.values(TABLE))
      sql.exec(`CREATE TABLE IF NOT EXISTS ${table} (bucket INTEGER NOT NULL, metric TEXT NOT NULL,
        label TEXT NOT NULL, value INTEGER NOT NULL, PRIMARY KEY (bucket, metric, label)) WITHOUT ROWID`);
    // The live-socket total as last written, and the minute it was written for (one row).
    sql.exec(`CREATE TABLE IF NOT EXISTS usage_gauge (id INTEGER PRIMARY KEY CHECK (id = 0),
      minute INTEGER NOT NULL, total INTEGER NOT NULL)`);
  }

  /** Adds counter deltas to their minute and its hour. */
  addCounts(deltas: readonly CountDelta[]): void {
    for (const d of deltas) {
      this.upsert("minute", d.minute, d.counter, d.label, d.value, "add");
      this.upsert("hour", hourOfMinute(d.minute), d.counter, d.label, d.value, "add");
    }
  }

  /** The live-socket total as last written (0 for a new object). */
  total(): number {
    return this.gaugeState()?.total ?? 0;
  }

  /**
   * Records that the live sockets now add up to `total` (at `minute`), and that they reached
   * `spike` since the last write. Minutes skipped since the last write carry the last total, so a
   * quiet minute shows the sockets that stayed open through it.
   */
  setTotal(minute: number, total: number, spike = total): void {
    const last = this.gaugeState();
    if (last !== undefined && last.total > 0)
      for (let m = Math.max(last.minute + 1, minute - MAX_GAP_MINUTES); m < minute; m++)
        this.writeGauges(m, last.total, last.total);
    const carriedIn = last !== undefined && last.minute < minute ? last.total : 0;
    const peak = Math.max(total, spike, carriedIn);
    if (peak > 0 || (last?.total ?? 0) > 0) this.writeGauges(minute, total, peak);
    this.sql.exec(
      `INSERT INTO usage_gauge (id, minute, total) VALUES (0, ?, ?)
       ON CONFLICT(id) DO UPDATE SET minute = max(minute, excluded.minute), total = excluded.total`,
      minute,
      total,
    );
  }

  /** Rows of buckets `first` to `last` (inclusive). */
  read(step: Step, first: number, last: number): SeriesRow[] {
    return this.sql
      .exec<SeriesRow>(
        `SELECT bucket, metric, label, value FROM ${TABLE[step]} WHERE bucket BETWEEN ? AND ?`,
        first,
        last,
      )
      .toArray();
  }

  /** Deletes rows older than they are kept. */
  prune(nowMs: number): void {
    this.sql.exec(`DELETE FROM ${TABLE.minute} WHERE bucket < ?`, minuteOf(nowMs - RETENTION_MS.minute));
    this.sql.exec(`DELETE FROM ${TABLE.hour} WHERE bucket < ?`, hourOfMinute(minuteOf(nowMs - RETENTION_MS.hour)));
  }

  /** True when no row is kept any more. */
  isEmpty(): boolean {
    return Object.values(TABLE).every((t) => this.sql.exec(`SELECT 1 FROM ${t} LIMIT 1`).toArray().length === 0);
  }

  private writeGauges(minute: number, connections: number, peak: number): void {
    for (const [step, bucket] of [
      ["minute", minute],
      ["hour", hourOfMinute(minute)],
    ] as const) {
      this.upsert(step, bucket, "connections", "", connections, "set");
      this.upsert(step, bucket, "peakConnections", "", peak, "max");
    }
  }

  private upsert(
    step: Step,
    bucket: number,
    metric: string | Gauge,
    label: string,
    value: number,
    combine: "add" | "set" | "max",
  ): void {
    const update = { add: "value + excluded.value", set: "excluded.value", max: "max(value, excluded.value)" }[combine];
    this.sql.exec(
      `INSERT INTO ${TABLE[step]} (bucket, metric, label, value) VALUES (?, ?, ?, ?)
       ON CONFLICT(bucket, metric, label) DO UPDATE SET value = ${update}`,
      bucket,
      metric,
      label,
      value,
    );
  }

  private gaugeState(): GaugeState | undefined {
    return this.sql.exec<GaugeState>("SELECT minute, total FROM usage_gauge WHERE id = 0").toArray()[0];
  }
}
