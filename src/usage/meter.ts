// The usage meter of an object that holds sockets (a room, a shard): counts added in memory as
// events happen, written to the object's storage at most PERSIST_DELAY_MS later (one write for a
// whole storm of connects, not one per event), and flushed to the tenant's usage object in one
// call every few seconds, never one per publish or delivery. A flush in flight is kept in storage
// with its flush id until the usage object confirms it, and is sent again as is, so it is counted
// exactly once.
import { z } from "zod";
import { countDeltaSchema, usageReportSchema } from "../protocol.ts";
import type { Counter } from "./metrics.ts";
import { CountBuffer, HEARTBEAT_MS, LIVE_REPORT_DELAY_MS, nextFlushId, type UsageReport } from "./report.ts";

/** Counts wait at most this long for their flush. */
export const COUNT_FLUSH_MS = 5_000;
/** A flush that failed is tried again after this long. */
export const FLUSH_RETRY_MS = 5_000;
/**
 * Counts wait at most this long in memory before they are written to the object's storage. The
 * wait is a timer, and an object with a timer pending does not hibernate (Cloudflare's "Lifecycle
 * of a Durable Object"; in tests, `evictDurableObject` waits for it), so hibernation loses no
 * count; a crash or a reset of the object (a runtime update, an immediate code update) loses at
 * most this much. Written in the turn that counted them, every connect of a storm paid a write and
 * a commit that a room without usage does not.
 */
export const PERSIST_DELAY_MS = 1_000;

/** Runs `fn` once after `ms` and answers how to cancel it (a timer; tests pass their own). */
export type Timer = (fn: () => void, ms: number) => () => void;
const realTimer: Timer = (fn, ms) => {
  const handle = setTimeout(fn, ms);
  return () => clearTimeout(handle);
};

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
  private readonly timer: Timer;
  /** Cancels the pending write; set exactly while something counted is not in storage yet. */
  private cancelPersist: (() => void) | undefined;
  /** Counts were added since the open counts were last written. */
  private countsDirty = false;
  /** The peak rose since it was last written: an eviction must not lose the high-water mark either. */
  private peakDirty = false;

  constructor(sql: SqlStorage, who: MeterIdentity, timer: Timer = realTimer) {
    this.sql = sql;
    this.who = who;
    this.timer = timer;
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

  /** Adds `value` to a counter now; written to storage within PERSIST_DELAY_MS. */
  count(counter: Counter, label: string, value: number, nowMs: number): void {
    if (value === 0) return;
    this.open.add(Math.floor(nowMs / 60_000), counter, label, value);
    this.countsSince ??= nowMs;
    this.countsDirty = true;
    this.persistSoon();
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
    this.persistSoon();
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

  /** Writes what changed of the open counts and the peak, so an eviction before the flush loses none. */
  persist(): void {
    const peak = this.peakDirty;
    const counts = this.countsDirty;
    this.written();
    if (peak) this.write("peak", String(this.peak));
    if (counts) this.write("open", JSON.stringify(this.open.snapshot()));
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
    this.write("sending", JSON.stringify(report));
    this.sql.exec("DELETE FROM usage_outbox WHERE slot IN ('open', 'peak')");
    this.written();
    this.countsSince = undefined;
    this.liveSince = undefined;
    this.peak = this.connections;
    return report;
  }

  private async deliver(send: (r: UsageReport) => Promise<unknown>, report: UsageReport): Promise<void> {
    await send(report);
    this.sql.exec("DELETE FROM usage_outbox WHERE slot = 'sending'");
  }

  private write(slot: "open" | "peak" | "sending", body: string): void {
    this.sql.exec(
      "INSERT INTO usage_outbox (slot, body) VALUES (?, ?) ON CONFLICT(slot) DO UPDATE SET body = excluded.body",
      slot,
      body,
    );
  }

  /** Everything counted is in storage: no write is pending. */
  private written(): void {
    this.cancelPersist?.();
    this.cancelPersist = undefined;
    this.countsDirty = false;
    this.peakDirty = false;
  }

  /** One write for everything counted until the timer runs. */
  private persistSoon(): void {
    this.cancelPersist ??= this.timer(() => {
      this.cancelPersist = undefined;
      this.persist();
    }, PERSIST_DELAY_MS);
  }

  private sending(): UsageReport | undefined {
    const row = this.sql.exec<OutboxRow>("SELECT slot, body FROM usage_outbox WHERE slot = 'sending'").toArray()[0];
    return row === undefined ? undefined : usageReportSchema.parse(JSON.parse(row.body));
  }
}
