// The socket's filter: what the next connect asks for, and `filter` frames waiting for `filtered`.
// The gateway answers ref-less frames (filter, refresh) in the order they were sent, so each
// request remembers its place in that order (see `sentAt`) for routing a ref-less error.
import type { FilterSpec } from "../wire.ts";
import type { SetTimer } from "./acks.ts";
import { ClientError } from "./errors.ts";

type Waiter = { spec: FilterSpec; resolve: () => void; reject: (err: ClientError) => void };
type InFlight = Waiter & { sentAt: number; cancel: () => void };

export type FilterDeps = {
  setTimer: SetTimer;
  /** How long to wait for `filtered` or an error frame. */
  answerTimeoutMs: number;
  /** Sends on the open socket; returns the frame's place among ref-less frames. */
  send: (frame: string) => number;
};

export class FilterRequests {
  private readonly d: FilterDeps;
  private requested: FilterSpec;
  /** The filter the gateway last confirmed: at welcome, or with `filtered`. */
  private applied: FilterSpec;
  private readonly inFlight: InFlight[] = [];
  /** Requests the next welcome settles: the connect carries the latest one. */
  private afterWelcome: Waiter[] = [];
  /** What the connect that is under way asked for. */
  private connecting: FilterSpec;

  constructor(deps: FilterDeps, initial: FilterSpec) {
    this.d = deps;
    this.requested = initial;
    this.applied = initial;
    this.connecting = initial;
  }

  /** The filter the next connect asks for (the latest requested), remembered across reconnects. */
  forConnect(): FilterSpec {
    this.connecting = this.requested;
    return this.requested;
  }

  /** The place of the oldest `filter` frame still unanswered, if any. */
  get oldestSentAt(): number | undefined {
    return this.inFlight[0]?.sentAt;
  }

  /** For the next connect only: there is no connection to tell now, nor one under way. */
  remember(spec: FilterSpec): void {
    this.requested = spec;
  }

  /** Sends the frame when `connected`; otherwise the connect under way carries it and its welcome settles it. */
  request(spec: FilterSpec, connected: boolean): Promise<void> {
    this.requested = spec;
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { spec, resolve, reject };
      if (!connected) {
        this.afterWelcome.push(waiter);
        return;
      }
      const sentAt = this.d.send(JSON.stringify({ type: "filter", ...spec }));
      const cancel = this.d.setTimer(() => {
        const i = this.inFlight.findIndex((w) => w.cancel === cancel);
        if (i >= 0) this.inFlight.splice(i, 1);
        reject(new ClientError("filter_timeout", "no answer to the filter in time; it may or may not apply"));
      }, this.d.answerTimeoutMs);
      this.inFlight.push({ ...waiter, sentAt, cancel });
    });
  }

  /** `filtered`: the oldest request applies. False when none waited. */
  answered(): boolean {
    const w = this.inFlight.shift();
    if (w === undefined) return false;
    w.cancel();
    this.applied = w.spec;
    w.resolve();
    return true;
  }

  /** The gateway refused the oldest request: the socket keeps its filter, and so do later connects. */
  refused(err: ClientError): void {
    const w = this.inFlight.shift();
    if (w === undefined) return;
    w.cancel();
    if (this.inFlight.length === 0 && this.afterWelcome.length === 0) this.requested = this.applied;
    w.reject(err);
  }

  /** The socket dropped: requests without an answer are settled by the next welcome, whose connect carries the latest. */
  connectionLost(): void {
    for (const w of this.inFlight.splice(0)) {
      w.cancel();
      this.afterWelcome.push(w);
    }
  }

  /**
   * A connect was welcomed: the gateway accepted the filter it carried. A filter asked for after
   * that connect had started is sent now, and its answer settles everyone who waited.
   */
  welcomed(): void {
    this.applied = this.connecting;
    const waiting = this.afterWelcome.splice(0);
    const settled = this.requested === this.connecting ? Promise.resolve() : this.request(this.requested, true);
    settled.then(
      () => {
        for (const w of waiting) w.resolve();
      },
      (err: ClientError) => {
        for (const w of waiting) w.reject(err);
      },
    );
  }

  /** The client stopped for good: nothing waiting will be answered. */
  failed(err: ClientError): void {
    for (const w of this.inFlight.splice(0)) {
      w.cancel();
      w.reject(err);
    }
    for (const w of this.afterWelcome.splice(0)) w.reject(err);
  }
}
