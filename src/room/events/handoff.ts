// The room's side of the webhook outbox: events recorded in the object's SQLite are handed to the
// queue after the step that recorded them (right after it, or at most HANDOFF_WINDOW_MS after the
// previous hand-off), and again from the object's alarm whenever a hand-off's lease ends without
// the consumer reporting back (a failed send, a lost message, a consumer that never ran). Rows
// leave only when the consumer reports them settled.
import { log } from "../../log.ts";
import type { QueuedEvent } from "../../protocol.ts";
import { sleep } from "../../retry.ts";
import { applyReport, nextDue, recordEvents, sendAll, takeDue } from "../../webhooks/outbox.ts";
import type { OutboxReport } from "../../webhooks/reports.ts";
import type { AlarmClock } from "../alarm.ts";
import type { EventStore } from "./store.ts";

/** Who the consumer reports to: the tenant and this object's name in the ROOMS namespace. */
export type Origin = { tenant: string; origin: string };

/**
 * Hand-offs start at most this often. Each costs a read and a lease write of the outbox, the
 * alarm's check, a queue send and, downstream, a message for the consumer: under a storm of
 * connects or socket publishes, one per change (bench/README.md, webhooks). A quiet room's event
 * still goes at once; under a storm the events of the next window share one hand-off, which adds
 * at most a window to a delivery the queue already batches for up to a second (max_batch_timeout).
 */
export const HANDOFF_WINDOW_MS = 50;

export class Handoff {
  private readonly store: EventStore;
  private readonly queue: Queue;
  private readonly alarm: AlarmClock;
  private readonly background: (work: Promise<unknown>) => void;
  /** The first lease of a hand-off (WEBHOOK_HANDOFF_LEASE_SECONDS). */
  private readonly leaseMs: number;
  /** Waits out a window (a timer; tests pass their own). */
  private readonly after: (ms: number) => Promise<void>;
  /** A hand-off of recorded events is planned and has not started yet. */
  private planned = false;
  /** When the last planned hand-off started (or will): the next starts a window later at the earliest. */
  private lastStart = Number.NEGATIVE_INFINITY;
  /** The last hand-off, which the next one waits for. */
  private previous: Promise<void> = Promise.resolve();

  constructor(
    store: EventStore,
    queue: Queue,
    alarm: AlarmClock,
    background: (work: Promise<unknown>) => void,
    leaseMs: number,
    after: (ms: number) => Promise<void> = sleep,
  ) {
    this.store = store;
    this.leaseMs = leaseMs;
    this.queue = queue;
    this.alarm = alarm;
    this.background = background;
    this.after = after;
  }

  /**
   * Records events in the caller's synchronous step; they are handed over once that step ends, or
   * with the next window's hand-off when the last one started less than HANDOFF_WINDOW_MS ago.
   */
  record(origin: Origin, events: readonly QueuedEvent[], now: number): void {
    // An object's origin never changes: written with its first event.
    if (this.store.get("origin") === undefined) this.store.set("origin", origin);
    recordEvents(this.store.tables(), events, now);
    // Every event of the step (a join and an occupied, a batch of publishes) goes in one send.
    if (this.planned) return;
    this.planned = true;
    const wait = this.lastStart + HANDOFF_WINDOW_MS - now;
    // Not before the window's end: every event recorded until then is due by that time.
    const at = wait > 0 ? this.lastStart + HANDOFF_WINDOW_MS : now;
    this.lastStart = at;
    const start = wait > 0 ? this.window(wait, now) : Promise.resolve();
    this.background(
      start.then(() => {
        this.planned = false;
        return this.handOver(at);
      }),
    );
  }

  /**
   * The wait for the window's end. Should the object be reset meanwhile (the timer goes with it),
   * the alarm hands the events over when a hand-off's lease would have ended; under a storm it is
   * armed that early already, and this writes nothing.
   */
  private window(wait: number, now: number): Promise<void> {
    this.background(this.alarm.schedule(now + this.leaseMs));
    return this.after(wait);
  }

  /**
   * Hands what is due to the queue, after any hand-off still sending: one room's events enter the
   * queue in the order they were recorded.
   */
  handOver(now: number): Promise<void> {
    const run = this.previous.then(() => this.handOverNow(Math.max(now, Date.now())));
    this.previous = run.catch(() => {});
    return run;
  }

  /** The alarm is armed for the lease's end first, so a failed send costs only time. */
  private async handOverNow(now: number): Promise<void> {
    const from = this.store.get("origin");
    if (from === undefined || !this.store.hasTables()) return;
    const { tenant, origin } = from;
    const messages = takeDue(this.store.sql, tenant, origin, now, this.leaseMs);
    const next = this.due();
    if (next !== undefined) await this.alarm.schedule(next);
    if (messages.length === 0) return;
    try {
      await sendAll(this.queue, messages);
    } catch (err) {
      log("webhook_outbox_send_failed", { tenant, origin, error: String(err) });
    }
  }

  /** The consumer's word on events handed over. */
  report(report: OutboxReport): void {
    if (!this.store.hasTables()) return;
    applyReport(this.store.sql, report);
    const next = this.due();
    if (next !== undefined) this.background(this.alarm.schedule(next));
  }

  /** When the outbox next has something to hand over; undefined when it is empty. */
  due(): number | undefined {
    return this.store.hasTables() ? nextDue(this.store.sql) : undefined;
  }
}
