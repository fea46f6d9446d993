// The room's side of the webhook outbox: events recorded in the object's SQLite are handed to the
// queue right after the step that recorded them, and again from the object's alarm whenever a
// hand-off's lease ends without the consumer reporting back (a failed send, a lost message, a
// consumer that never ran). Rows leave only when the consumer reports them settled.
import { log } from "../../log.ts";
import type { QueuedEvent } from "../../protocol.ts";
import { applyReport, nextDue, recordEvents, sendAll, takeDue } from "../../webhooks/outbox.ts";
import type { OutboxReport } from "../../webhooks/reports.ts";
import type { AlarmClock } from "../alarm.ts";
import type { EventStore } from "./store.ts";

/** Who the consumer reports to: the tenant and this object's name in the ROOMS namespace. */
export type Origin = { tenant: string; origin: string };

export class Handoff {
  private readonly store: EventStore;
  private readonly queue: Queue;
  private readonly alarm: AlarmClock;
  private readonly background: (work: Promise<unknown>) => void;
  /** The first lease of a hand-off (WEBHOOK_HANDOFF_LEASE_SECONDS). */
  private readonly leaseMs: number;
  /** A hand-off is already due after the current step. */
  private soon = false;
  /** The last hand-off, which the next one waits for. */
  private previous: Promise<void> = Promise.resolve();

  constructor(
    store: EventStore,
    queue: Queue,
    alarm: AlarmClock,
    background: (work: Promise<unknown>) => void,
    leaseMs: number,
  ) {
    this.store = store;
    this.leaseMs = leaseMs;
    this.queue = queue;
    this.alarm = alarm;
    this.background = background;
  }

  /** Records events in the caller's synchronous step; they are handed over once that step ends. */
  record(origin: Origin, events: readonly QueuedEvent[], now: number): void {
    // An object's origin never changes: written with its first event.
    if (this.store.get("origin") === undefined) this.store.set("origin", origin);
    recordEvents(this.store.tables(), events, now);
    if (this.soon) return;
    this.soon = true;
    // Every event of the step (a join and an occupied, a batch of publishes) goes in one send.
    this.background(
      Promise.resolve().then(() => {
        this.soon = false;
        return this.handOver(Date.now());
      }),
    );
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
