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
import { IsolateCounts } from "./isolate-counts.ts";
import { sendReport } from "./partitions.ts";
import type { UsageReport } from "./report.ts";

/** How long an isolate holds refusals before it flushes them. */
export const FLUSH_AFTER_MS = 5_000;
/** Past this many tenants held at once, the flush is not waited for. */
const MAX_TENANTS_HELD = 1_000;

export class RefusalCounter {
  private readonly counts = new IsolateCounts("worker");
  private scheduled = false;

  /** Counts one refusal; answers true when the caller must schedule `flush` (none is pending). */
  add(tenant: string, code: string, nowMs: number): boolean {
    this.counts.add(tenant, "refusals", code, 1, nowMs);
    if (this.scheduled) return false;
    this.scheduled = true;
    return true;
  }

  /** True when so many tenants are held that the flush should not wait. */
  get crowded(): boolean {
    return this.counts.tenants >= MAX_TENANTS_HELD;
  }

  /** Sends what is held (a report that fails is sent again by the flush the next refusal schedules). */
  async flush(send: (report: UsageReport) => Promise<unknown>, nowMs: number): Promise<void> {
    this.scheduled = false;
    await this.counts.flush(send, nowMs);
  }
}

/** The isolate's counter: refusals from every request this isolate serves. */
export const workerRefusals = new RefusalCounter();

/** Sends one of the Worker's reports (refusals, webhook outcomes) to the partition its isolate picks. */
export const sendWorkerReport = (env: Env, config: Config) => (report: UsageReport) =>
  sendReport(env, config, report.reporter, report);
