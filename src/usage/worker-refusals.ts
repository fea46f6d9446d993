// Refusals the Worker answers itself (a bad scope, a rate limit, a revoked token, a room's refusal
// of an upgrade it relays), counted for the refused credential's tenant without an object call
// per refusal: each isolate adds them up in memory, and the first refusal of a quiet spell
// schedules, through waitUntil, one flush FLUSH_AFTER_MS later that carries every refusal the
// isolate saw meanwhile, for every tenant.
//
// Exact while the runtime honours waitUntil (it keeps the invocation up to 30 s after the answer);
// an isolate killed inside those few seconds (a deploy, a crash) loses what it held. Refusals of
// a credential that names no verified tenant (a malformed or forged token, an unknown key) belong
// to no tenant and are only in the access log.
import type { Config } from "../config.ts";
import type { Env } from "../env.ts";
import { log } from "../log.ts";
import { minuteOf } from "./buckets.ts";
import { sendReport } from "./partitions.ts";
import { CountBuffer, nextFlushId, type UsageReport } from "./report.ts";

/** How long an isolate holds refusals before it flushes them. */
export const FLUSH_AFTER_MS = 5_000;
/** Past this many tenants held at once, the flush is not waited for. */
const MAX_TENANTS_HELD = 1_000;

/** A tenant's refusals held by this isolate, and a report that failed to send (retried as is, first). */
type Held = { buffer: CountBuffer; unsent?: UsageReport | undefined };

export class RefusalCounter {
  private readonly held = new Map<string, Held>();
  private scheduled = false;
  private lastFlushId = 0;
  /** Made on first use: Workers refuse random values at module scope. */
  private isolate: string | undefined;

  /** Counts one refusal; answers true when the caller must schedule `flush` (none is pending). */
  add(tenant: string, code: string, nowMs: number): boolean {
    let entry = this.held.get(tenant);
    if (entry === undefined) {
      entry = { buffer: new CountBuffer() };
      this.held.set(tenant, entry);
    }
    entry.buffer.add(minuteOf(nowMs), "refusals", code);
    if (this.scheduled) return false;
    this.scheduled = true;
    return true;
  }

  /** True when so many tenants are held that the flush should not wait. */
  get crowded(): boolean {
    return this.held.size >= MAX_TENANTS_HELD;
  }

  /**
   * Sends what is held, one report per tenant. A report that fails is kept with its flush id and
   * sent again, before anything newer, by the next flush: if it had been applied after all, the
   * usage object recognises the id and counts nothing twice.
   */
  async flush(send: (report: UsageReport) => Promise<unknown>, nowMs: number): Promise<void> {
    this.scheduled = false;
    this.isolate ??= `worker:${crypto.randomUUID()}`;
    const reporter = this.isolate;
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
          // Kept, not lost: the next refusal in this isolate schedules a flush that sends it again.
          log("usage_flush_failed", { tenant, reporter, error: String(err) });
        }
      }),
    );
    for (const [tenant, entry] of this.held)
      if (entry.unsent === undefined && entry.buffer.size === 0) this.held.delete(tenant);
  }
}

/** The isolate's counter: refusals from every request this isolate serves. */
export const workerRefusals = new RefusalCounter();

/** Sends one of the Worker's reports to the partition its isolate picks. */
export const sendWorkerReport = (env: Env, config: Config) => (report: UsageReport) =>
  sendReport(env, config, report.reporter, report);
