// Publishes sent over the socket and waiting for their `ack` (or `error`), matched by `ref`.
import { ClientError } from "./errors.ts";

/** A publish's ack: its seq, or `ephemeral` for a live-only message. */
export type PublishAck =
  | { id: string; seq: number; delivered: number }
  | { id: string; ephemeral: true; delivered: number };

/** Starts a timer; returns the function that cancels it. */
export type SetTimer = (fn: () => void, ms: number) => () => void;

/** What waits for an ack: settled with it, or rejected with an error. */
export type AckWaiter = { ref: number; resolve: (ack: PublishAck) => void; reject: (err: ClientError) => void };

export class PendingAcks<W extends AckWaiter> {
  private readonly pending = new Map<string, { waiter: W; cancel: () => void }>();
  private readonly setTimer: SetTimer;
  private readonly timeoutMs: number;

  constructor(setTimer: SetTimer, timeoutMs: number) {
    this.setTimer = setTimer;
    this.timeoutMs = timeoutMs;
  }

  get size(): number {
    return this.pending.size;
  }

  add(waiter: W): void {
    const key = String(waiter.ref);
    const cancel = this.setTimer(() => {
      this.pending.delete(key);
      waiter.reject(
        new ClientError("ack_timeout", `no ack within ${this.timeoutMs} ms; the publish may or may not have happened`),
      );
    }, this.timeoutMs);
    this.pending.set(key, { waiter, cancel });
  }

  /** Settles the publish with this ref; false when no publish waits for it. */
  settle(ref: string | number, outcome: PublishAck | ClientError): boolean {
    const key = String(ref);
    const p = this.pending.get(key);
    if (p === undefined) return false;
    this.pending.delete(key);
    p.cancel();
    if (outcome instanceof ClientError) p.waiter.reject(outcome);
    else p.waiter.resolve(outcome);
    return true;
  }

  /** Takes the waiter for `ref` back unsettled, its timer stopped (it will be sent again); undefined when none waits. */
  takeBack(ref: string | number): W | undefined {
    const p = this.pending.get(String(ref));
    if (p === undefined) return undefined;
    this.pending.delete(String(ref));
    p.cancel();
    return p.waiter;
  }

  /** Every waiter, oldest first, its timer stopped: the socket they were sent on is gone. */
  takeAll(): W[] {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.cancel();
    return all.map((p) => p.waiter);
  }
}
