// The usage meter of an object that holds sockets (a room, a shard): counts added in memory as
// events happen, written to the object's storage once per turn (an eviction or a reset between
// flushes loses nothing), and flushed to the tenant's usage object in one call every few seconds,
// never one per publish or delivery. A flush in flight is kept in storage with its flush id until
// the usage object confirms it, and is sent again as is, so it is counted exactly once.
import { z } from "zod";
import { countDeltaSchema, usageReportSchema } from "../protocol.ts";
import type { Counter } from "./metrics.ts";
import { CountBuffer, HEARTBEAT_MS, LIVE_REPORT_DELAY_MS, nextFlushId, type UsageReport } from "./report.ts";

/** Counts wait at most this long for their flush. */
export const COUNT_FLUSH_MS = 5_000;
/** A flush that failed is tried again after this long. */
export const FLUSH_RETRY_MS = 5_000;

export type MeterIdentity = { tenant: string; reporter: string; room: string };
type OutboxRow = { slot: string; body: string };

export class UsageMeter {
  private readonly sql: SqlStorage;
  private readonly who: MeterIdentity;
  private readonly open = new CountBuffer();
  private connections = 0;
  private peak = 0;
  private lastFlushId = 0;
  private countsSince: number | undefined;
  private liveSince: number | undefined;
  private lastReportAt: number | undefined;
  private failedAt: number | undefined;
  private persistQueued = false;
  /** The peak rose since it was last written: an eviction must not lose the high-water mark either. */
  private peakDirty = false;

  constructor(sql: SqlStorage, who: MeterIdentity) {
    this.sql = sql;
    this.who = who;
    sql.exec("CREATE TABLE IF NOT EXISTS usage_outbox (slot TEXT PRIMARY KEY, body TEXT NOT NULL)");
    const rows = sql.exec<OutboxRow>("SELECT slot, body FROM usage_outbox").toArray();
    for (const row of rows) {
      if (row.slot === "open") this.open.addAll(z.array(countDeltaSchema).parse(JSON.parse(row.body)));
      else if (row.slot === "peak") this.peak = z.number().int().min(0).parse(JSON.parse(row.body));
      else this.lastFlushId = usageReportSchema.parse(JSON.parse(row.body)).flushId;
    }
    // Counts or a flush left by an earlier life of the object: flush them soon.
    if (rows.length > 0) this.countsSince = 0;
  }

  /** Adds `value` to a counter now; written to storage at the end of the turn. */
  count(counter: Counter, label: string, value: number, nowMs: number): void {
    if (value === 0) return;
    this.open.add(Math.floor(nowMs / 60_000), counter, label, value);
    this.countsSince ??= nowMs;
    this.queuePersist();
  }

  /**
   * The object's sockets now; a change reaches the rooms list within LIVE_REPORT_DELAY_MS. Users
   * are counted only when a report is sealed (it takes a walk over the sockets).
   */
  setLive(connections: number, nowMs: number): void {
    if (connections === this.connections) return;
    this.connections = connections;
    this.liveSince ??= nowMs;
    if (connections <= this.peak) return;
    this.peak = connections;
    this.peakDirty = true;
    this.queuePersist();
  }

  /** Nothing counted and unsent, no flush unconfirmed, and the last report told the sockets as they are. */
  idle(): boolean {
    return this.countsSince === undefined && this.liveSince === undefined && this.failedAt === undefined;
  }

  /** When the next flush must run (for the object's alarm), or undefined when nothing needs one. */
  due(): number | undefined {
    if (this.failedAt !== undefined) return this.failedAt + FLUSH_RETRY_MS;
    const times = [
      this.countsSince === undefined ? undefined : this.countsSince + COUNT_FLUSH_MS,
      this.liveSince === undefined ? undefined : this.liveSince + LIVE_REPORT_DELAY_MS,
      this.connections > 0 && this.lastReportAt !== undefined ? this.lastReportAt + HEARTBEAT_MS : undefined,
    ].filter((t): t is number => t !== undefined);
    return times.length === 0 ? undefined : Math.min(...times);
  }

  /**
   * Sends what is due: first a flush left unconfirmed (same id), then the open counts and the live
   * snapshot as a new one. Answers false when sending failed (all is kept for the retry).
   */
  async flush(send: (r: UsageReport) => Promise<unknown>, nowMs: number, users: number): Promise<boolean> {
    this.persist();
    try {
      const unsent = this.sending();
      if (unsent !== undefined) await this.deliver(send, unsent);
      await this.deliver(send, this.seal(nowMs, users));
      this.failedAt = undefined;
      this.lastReportAt = nowMs;
      return true;
    } catch {
      // Kept in storage as it was sealed; due() asks for a retry in FLUSH_RETRY_MS.
      this.failedAt = nowMs;
      return false;
    }
  }

  /** Writes the open counts (and a risen peak), so an eviction before the flush loses none. */
  persist(): void {
    this.persistQueued = false;
    if (this.peakDirty) {
      this.peakDirty = false;
      this.sql.exec(
        "INSERT INTO usage_outbox (slot, body) VALUES ('peak', ?) ON CONFLICT(slot) DO UPDATE SET body = excluded.body",
        String(this.peak),
      );
    }
    const counts = this.open.snapshot();
    if (counts.length === 0) this.sql.exec("DELETE FROM usage_outbox WHERE slot = 'open'");
    else
      this.sql.exec(
        "INSERT INTO usage_outbox (slot, body) VALUES ('open', ?) ON CONFLICT(slot) DO UPDATE SET body = excluded.body",
        JSON.stringify(counts),
      );
  }

  /** Moves the open counts and the live snapshot into the one flush in flight, in storage. */
  private seal(nowMs: number, users: number): UsageReport {
    this.lastFlushId = nextFlushId(this.lastFlushId, nowMs);
    const report: UsageReport = {
      ...this.who,
      flushId: this.lastFlushId,
      counts: this.open.drain(),
      live: { room: this.who.room, connections: this.connections, users, peak: Math.max(this.peak, this.connections) },
    };
    this.sql.exec(
      "INSERT INTO usage_outbox (slot, body) VALUES ('sending', ?) ON CONFLICT(slot) DO UPDATE SET body = excluded.body",
      JSON.stringify(report),
    );
    this.sql.exec("DELETE FROM usage_outbox WHERE slot IN ('open', 'peak')");
    this.countsSince = undefined;
    this.liveSince = undefined;
    this.peak = this.connections;
    this.peakDirty = false;
    return report;
  }

  private async deliver(send: (r: UsageReport) => Promise<unknown>, report: UsageReport): Promise<void> {
    await send(report);
    this.sql.exec("DELETE FROM usage_outbox WHERE slot = 'sending'");
  }

  private queuePersist(): void {
    if (this.persistQueued) return;
    this.persistQueued = true;
    queueMicrotask(() => this.persist());
  }

  private sending(): UsageReport | undefined {
    const row = this.sql.exec<OutboxRow>("SELECT slot, body FROM usage_outbox WHERE slot = 'sending'").toArray()[0];
    return row === undefined ? undefined : usageReportSchema.parse(JSON.parse(row.body));
  }
}
