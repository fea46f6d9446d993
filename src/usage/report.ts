// The flush RPC: what a counting object (a room, a shard, the Worker) hands its tenant's usage
// object, and the in-memory buffer it adds counts to between flushes.
import type { CountDelta, Counter } from "./metrics.ts";

/** What one socket-holding object knows of its own sockets when it reports. */
export type LiveSnapshot = {
  room: string;
  /** Open sockets now; 0 takes the object out of the rooms list. */
  connections: number;
  /** Distinct users among them (a user's sockets are all on one shard, so shards add up exactly). */
  users: number;
  /** Most sockets open at once since the previous report (at least `connections`). */
  peak: number;
};

export type UsageReport = {
  tenant: string;
  /** The reporting object's name, or `worker:<isolate id>`: the key repeats are recognised by. */
  reporter: string;
  /**
   * Strictly increasing per reporter (epoch ms, bumped past the previous one). A report whose id is
   * not above the last one applied for its reporter is a repeat of a flush already counted (the
   * reporter retried after losing the answer) and changes nothing.
   */
  flushId: number;
  counts: CountDelta[];
  /** Sent by objects that hold sockets: on every change (within seconds) and at least every HEARTBEAT_MS. */
  live?: LiveSnapshot | undefined;
};

export type ReportAnswer = { applied: boolean };

/** A reporter that holds sockets reports at least this often, so its rooms-list entry stays alive. */
export const HEARTBEAT_MS = 60_000;
/** A live entry not renewed for this long is dropped (its object was reset without reporting). */
export const LEASE_MS = 150_000;
/** A reporter's live change reaches the rooms list within this long (the list's promise is 5 s). */
export const LIVE_REPORT_DELAY_MS = 2_000;

/** The next flush id after `previous`: the clock, unless it has not moved past the last id. */
export const nextFlushId = (previous: number, nowMs: number): number => Math.max(previous + 1, nowMs);

/** Counts added in memory between flushes, keyed by minute, counter and label. */
export class CountBuffer {
  private readonly counts = new Map<string, CountDelta>();

  add(minute: number, counter: Counter, label: string, value = 1): void {
    if (value === 0) return;
    const key = `${minute}\u0000${counter}\u0000${label}`;
    const held = this.counts.get(key);
    if (held === undefined) this.counts.set(key, { minute, counter, label, value });
    else held.value += value;
  }

  addAll(deltas: readonly CountDelta[]): void {
    for (const d of deltas) this.add(d.minute, d.counter, d.label, d.value);
  }

  get size(): number {
    return this.counts.size;
  }

  /** Everything held, the buffer kept. */
  snapshot(): CountDelta[] {
    return [...this.counts.values()].map((d) => ({ ...d }));
  }

  /** Everything held, and the buffer emptied. */
  drain(): CountDelta[] {
    const out = [...this.counts.values()];
    this.counts.clear();
    return out;
  }
}
