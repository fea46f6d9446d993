// Counts a Worker isolate adds up in memory, for any number of tenants, and their flush: one report
// per tenant, never one per event. The isolate has no storage of its own, so a report that fails is
// kept in memory with its flush id and sent again, before anything newer, by the next flush: if it
// had been applied after all, the usage object recognises the id and counts nothing twice. That
// needs a reporter's reports to arrive in order, so one flush runs at a time per isolate (requests
// run concurrently in one isolate): a flush asked for meanwhile is left to the running one, which
// goes round again while it finds counts it has not sent. An isolate that dies holding counts
// loses them; its callers say when they flush.
import { log } from "../log.ts";
import { minuteOf } from "./buckets.ts";
import type { Counter } from "./metrics.ts";
import { CountBuffer, nextFlushId, type UsageReport } from "./report.ts";

/** A tenant's counts held, and a report that failed to send (retried as is, first). */
type Held = { buffer: CountBuffer; unsent?: UsageReport | undefined };

/**
 * A flush running longer than this is taken for one whose request was cut off (its promise never
 * settles): the next flush runs instead of leaving the counts to it.
 */
const STALE_FLUSH_MS = 60_000;

export class IsolateCounts {
  private readonly held = new Map<string, Held>();
  private readonly kind: string;
  private lastFlushId = 0;
  /** When the running flush started. */
  private flushingSince: number | undefined;
  /** Made on first use: Workers refuse random values at module scope. */
  private reporter: string | undefined;

  /** `kind` names the reporter (`<kind>:<isolate id>`), so each kind of count has its own flush ids. */
  constructor(kind: string) {
    this.kind = kind;
  }

  add(tenant: string, counter: Counter, label: string, value: number, nowMs: number): void {
    if (value === 0) return;
    let entry = this.held.get(tenant);
    if (entry === undefined) {
      entry = { buffer: new CountBuffer() };
      this.held.set(tenant, entry);
    }
    entry.buffer.add(minuteOf(nowMs), counter, label, value);
  }

  /** Tenants with counts or a report held. */
  get tenants(): number {
    return this.held.size;
  }

  /** Sends what is held, one report per tenant; a failure is logged and kept for the next flush. */
  async flush(send: (report: UsageReport) => Promise<unknown>, nowMs: number): Promise<void> {
    if (this.flushingSince !== undefined && nowMs - this.flushingSince < STALE_FLUSH_MS) return;
    this.flushingSince = nowMs;
    try {
      do await this.sendHeld(send, nowMs);
      while ([...this.held.values()].some((e) => e.unsent === undefined && e.buffer.size > 0));
    } finally {
      this.flushingSince = undefined;
    }
  }

  private async sendHeld(send: (report: UsageReport) => Promise<unknown>, nowMs: number): Promise<void> {
    this.reporter ??= `${this.kind}:${crypto.randomUUID()}`;
    const reporter = this.reporter;
    await Promise.all(
      [...this.held].map(async ([tenant, entry]) => {
        try {
          if (entry.unsent !== undefined) await send(entry.unsent);
          entry.unsent = undefined;
          const counts = entry.buffer.drain();
          if (counts.length === 0) return;
          this.lastFlushId = nextFlushId(this.lastFlushId, nowMs);
          entry.unsent = { tenant, reporter, flushId: this.lastFlushId, counts };
          await send(entry.unsent);
          entry.unsent = undefined;
        } catch (err) {
          log("usage_flush_failed", { tenant, reporter, error: String(err) });
        }
      }),
    );
    for (const [tenant, entry] of this.held)
      if (entry.unsent === undefined && entry.buffer.size === 0) this.held.delete(tenant);
  }
}
