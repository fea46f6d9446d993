// Per-phase delivery bookkeeping on the receive hot path. With 500 sockets and tens of thousands of
// frames a second on two cores, the load generator must not parse JSON: it finds `"i":` in the raw
// bytes (the payload puts `i` first, and no envelope key is `i`) and reads the digits.

const I_KEY = Buffer.from('"i":');
const ZERO = 48;
const NINE = 57;

/** The payload's `i`, or -1 when the frame has none (welcome, presence, anything else). */
export function sequenceOf(frame: Buffer): number {
  const at = frame.indexOf(I_KEY);
  if (at < 0) return -1;
  let n = 0;
  let j = at + I_KEY.length;
  for (; j < frame.length; j++) {
    const c = frame[j] ?? 0;
    if (c < ZERO || c > NINE) break;
    n = n * 10 + (c - ZERO);
  }
  return j === at + I_KEY.length ? -1 : n;
}

/**
 * One phase's deliveries: which subscriber got which message, how often, and how long after it
 * was sent. Payload `i` is `base + k` so a late frame from an earlier phase is never counted here.
 */
export class DeliveryLog {
  readonly subscribers: number;
  readonly messages: number;
  readonly base: number;
  /** counts[sub * messages + k]: receipts of message k by subscriber sub (saturates at 255). */
  private readonly counts: Uint8Array;
  /** performance.now() when message k's publish was sent; NaN until then. */
  readonly sendTimes: Float64Array;
  /** Publish-to-receive milliseconds of each first receipt. */
  readonly latencies: Float64Array;
  received = 0;
  duplicates = 0;
  /** Frames with an `i` outside this phase (late arrivals from an earlier phase). */
  strays = 0;
  lastReceiveAt = Number.NaN;

  constructor(subscribers: number, messages: number, base: number) {
    this.subscribers = subscribers;
    this.messages = messages;
    this.base = base;
    this.counts = new Uint8Array(subscribers * messages);
    this.sendTimes = new Float64Array(messages).fill(Number.NaN);
    this.latencies = new Float64Array(subscribers * messages);
  }

  get expected(): number {
    return this.subscribers * this.messages;
  }

  record(subscriber: number, i: number, now: number): void {
    const k = i - this.base;
    if (k < 0 || k >= this.messages || subscriber >= this.subscribers) {
      this.strays++;
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

  /** Messages some subscriber never received, counted per subscriber and message. */
  lost(): number {
    let lost = 0;
    for (const c of this.counts) if (c === 0) lost++;
    return lost;
  }
}

/** Where every subscriber's frames go; the current phase's log, or nowhere between phases. */
export class FrameSink {
  current: DeliveryLog | undefined;
  otherFrames = 0;
  /** Sockets the server closed or dropped while the benchmark still needed them, by close code. */
  readonly closes: Record<string, number> = {};

  onClose(code: number, reason: string): void {
    const key = `${code}${reason ? ` ${reason.slice(0, 60)}` : ""}`;
    this.closes[key] = (this.closes[key] ?? 0) + 1;
  }

  onFrame(subscriber: number, frame: Buffer): void {
    const now = performance.now();
    const i = sequenceOf(frame);
    if (i < 0 || this.current === undefined) {
      this.otherFrames++;
      return;
    }
    this.current.record(subscriber, i, now);
  }
}
