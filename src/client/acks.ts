// Publishes sent over the socket and waiting for their `ack` (or `error`), matched by `ref`.
import { ClientError } from "./errors.ts";

export type PublishAck = { id: string; seq: number; delivered: number };

/** Starts a timer; returns the function that cancels it. */
export type SetTimer = (fn: () => void, ms: number) => () => void;

type Pending = { resolve: (ack: PublishAck) => void; reject: (err: ClientError) => void; cancel: () => void };

export class PendingAcks {
  private readonly pending = new Map<string, Pending>();
  private readonly setTimer: SetTimer;
  private readonly timeoutMs: number;

  constructor(setTimer: SetTimer, timeoutMs: number) {
    this.setTimer = setTimer;
    this.timeoutMs = timeoutMs;
  }

  get size(): number {
    return this.pending.size;
  }

  add(ref: number, resolve: (ack: PublishAck) => void, reject: (err: ClientError) => void): void {
    const key = String(ref);
    const cancel = this.setTimer(() => {
      this.pending.delete(key);
      reject(
        new ClientError("ack_timeout", `no ack within ${this.timeoutMs} ms; the publish may or may not have happened`),
      );
    }, this.timeoutMs);
    this.pending.set(key, { resolve, reject, cancel });
  }

  /** Settles the publish with this ref; false when no publish waits for it. */
  settle(ref: string | number, outcome: PublishAck | ClientError): boolean {
    const key = String(ref);
    const p = this.pending.get(key);
    if (p === undefined) return false;
    this.pending.delete(key);
    p.cancel();
    if (outcome instanceof ClientError) p.reject(outcome);
    else p.resolve(outcome);
    return true;
  }

  rejectAll(err: ClientError): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) {
      p.cancel();
      p.reject(err);
    }
  }
}
