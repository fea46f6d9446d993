// Per-phase delivery bookkeeping on the receive hot path. With 500 sockets and tens of thousands of
// deliveries a second on two cores, the load generator must not parse JSON: it finds each `"i":` in
// the raw bytes (the payload puts `i` first, and no envelope key is `i`; a JSON string cannot hold
// the four bytes `"i":` unescaped) and reads the digits. A gateway batch frame holds several message
// frames, so one WebSocket frame can carry several `i`s: each is one delivery, timed at the frame's
// receipt. The gateway's `"seq":` precedes each message's payload; bare targets send none.

import { WireMeter } from "./wire-meter.ts";

const I_KEY = Buffer.from('"i":');
const SEQ_KEY = Buffer.from('"seq":');
const BATCH_PREFIX = Buffer.from('{"type":"batch"');
const ZERO = 48;
const NINE = 57;

/** The decimal digits at `from`, or -1 when there are none. */
function digitsAt(frame: Buffer, from: number): number {
  let n = 0;
  let j = from;
  for (; j < frame.length; j++) {
    const c = frame[j] ?? 0;
    if (c < ZERO || c > NINE) break;
    n = n * 10 + (c - ZERO);
  }
  return j === from ? -1 : n;
}

/** One message found in a frame: its payload `i` and, from the gateway, its `seq` (else -1). */
export type FoundMessage = { i: number; seq: number };

/**
 * Every message in `frame`, in frame order: none for welcome, presence or anything else, one for
 * a message frame, one per element of a batch frame. Calls `each` instead of building an array.
 */
export function scanMessages(frame: Buffer, each: (i: number, seq: number) => void): number {
  let found = 0;
  // This message's seq lies after the previous message's `i` (a tag named `i` is no message).
  let messageStart = 0;
  let pos = 0;
  for (;;) {
    const at = frame.indexOf(I_KEY, pos);
    if (at < 0) return found;
    pos = at + I_KEY.length;
    const i = digitsAt(frame, pos);
    if (i < 0) continue;
    const s = frame.indexOf(SEQ_KEY, messageStart);
    each(i, s >= 0 && s < at ? digitsAt(frame, s + SEQ_KEY.length) : -1);
    found++;
    messageStart = pos;
  }
}

export const isBatchFrame = (frame: Buffer): boolean =>
  frame.length >= BATCH_PREFIX.length &&
  frame.compare(BATCH_PREFIX, 0, BATCH_PREFIX.length, 0, BATCH_PREFIX.length) === 0;

/** Whether subscriber `s` should receive message `k`; a phase without one expects every pair. */
export type Wants = (s: number, k: number) => boolean;

/**
 * One phase's deliveries: which subscriber got which message, how often, and how long after it
 * was sent. Payload `i` is `base + k` so a late frame from an earlier phase is never counted here.
 */
export class DeliveryLog {
  readonly subscribers: number;
  readonly messages: number;
  readonly base: number;
  /** Filtered phases: who should get what; a receipt outside it is a wrong delivery, not a delivery. */
  readonly wants: Wants | undefined;
  /** counts[sub * messages + k]: receipts of message k by subscriber sub (saturates at 255). */
  private readonly counts: Uint8Array;
  /** Each subscriber's highest seq so far in this phase, to catch a frame that goes back. */
  private readonly lastSeq: Float64Array;
  /** performance.now() when message k's publish was sent; NaN until then. */
  readonly sendTimes: Float64Array;
  /** Publish-to-receive milliseconds of each first receipt. */
  readonly latencies: Float64Array;
  readonly expected: number;
  received = 0;
  duplicates = 0;
  /** Receipts of a message the subscriber's filter does not match. */
  wrong = 0;
  /** Receipts whose seq is below one the same subscriber already got in this phase. */
  outOfOrder = 0;
  /** Whether any frame carried a seq (gateway targets): otherwise order was not checked. */
  seqSeen = false;
  /** Frames that carried at least one of this phase's messages, and of those, batch frames. */
  frames = 0;
  batchFrames = 0;
  /** Messages (this phase's or strays) that came inside batch frames. */
  batchedMessages = 0;
  /** Frames with an `i` outside this phase (late arrivals from an earlier phase). */
  strays = 0;
  lastReceiveAt = Number.NaN;

  constructor(subscribers: number, messages: number, base: number, wants?: Wants) {
    this.subscribers = subscribers;
    this.messages = messages;
    this.base = base;
    this.wants = wants;
    this.counts = new Uint8Array(subscribers * messages);
    this.lastSeq = new Float64Array(subscribers).fill(-1);
    this.sendTimes = new Float64Array(messages).fill(Number.NaN);
    let expected = subscribers * messages;
    if (wants !== undefined) {
      expected = 0;
      for (let s = 0; s < subscribers; s++) for (let k = 0; k < messages; k++) if (wants(s, k)) expected++;
    }
    this.expected = expected;
    this.latencies = new Float64Array(expected);
  }

  /** One frame's messages, all received at `now`. */
  recordFrame(subscriber: number, frame: Buffer, now: number): number {
    const found = scanMessages(frame, (i, seq) => this.record(subscriber, i, seq, now));
    if (found > 0) {
      this.frames++;
      if (isBatchFrame(frame)) {
        this.batchFrames++;
        this.batchedMessages += found;
      }
    }
    return found;
  }

  record(subscriber: number, i: number, seq: number, now: number): void {
    const k = i - this.base;
    if (k < 0 || k >= this.messages || subscriber >= this.subscribers) {
      this.strays++;
      return;
    }
    if (seq >= 0) {
      this.seqSeen = true;
      const last = this.lastSeq[subscriber] ?? -1;
      if (seq < last) this.outOfOrder++;
      else this.lastSeq[subscriber] = seq;
    }
    if (this.wants !== undefined && !this.wants(subscriber, k)) {
      this.wrong++;
      return;
    }
    const slot = subscriber * this.messages + k;
    const seen = this.counts[slot] ?? 0;
    if (seen < 255) this.counts[slot] = seen + 1;
    if (seen > 0) {
      this.duplicates++;
      return;
    }
    this.latencies[this.received++] = now - (this.sendTimes[k] ?? Number.NaN);
    this.lastReceiveAt = now;
  }

  /** The highest seq subscriber `s` has received in this phase, or -1. */
  seqOf(s: number): number {
    return this.lastSeq[s] ?? -1;
  }

  /**
   * Messages some subscriber should have received and never did, counted per subscriber and
   * message, among the first `published` (a phase that stops early publishes fewer than it could)
   * and the subscribers `counted` names (all by default).
   */
  lost(published = this.messages, counted: (s: number) => boolean = () => true): number {
    let lost = 0;
    for (let s = 0; s < this.subscribers; s++) {
      if (!counted(s)) continue;
      for (let k = 0; k < published; k++)
        if (this.counts[s * this.messages + k] === 0 && (this.wants === undefined || this.wants(s, k))) lost++;
    }
    return lost;
  }
}

/** Where every subscriber's frames go; the current phase's log, or nowhere between phases. */
export class FrameSink {
  current: DeliveryLog | undefined;
  /** The TCP connections of the sockets that report here, and the bytes they read. */
  readonly wire = new WireMeter();
  otherFrames = 0;
  /** Sockets the server closed or dropped while the benchmark still needed them, by close code. */
  readonly closes: Record<string, number> = {};

  onClose(code: number, reason: string): void {
    const key = `${code}${reason ? ` ${reason.slice(0, 60)}` : ""}`;
    this.closes[key] = (this.closes[key] ?? 0) + 1;
  }

  onFrame(subscriber: number, frame: Buffer): void {
    const now = performance.now();
    if (this.current === undefined || this.current.recordFrame(subscriber, frame, now) === 0) this.otherFrames++;
  }
}
