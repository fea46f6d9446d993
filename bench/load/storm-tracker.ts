// Bookkeeping of a reconnect storm on the receive path: when each dropped socket's new connection
// was welcomed, which seq its welcome named, and when it was resumed, i.e. had received every
// message up to that seq (the replay, then nothing missing). Frames go on to the delivery log, which
// counts what was lost or duplicated across the old connection and the new.
import { type DeliveryLog, FrameSink } from "./deliveries.ts";

const WELCOME = Buffer.from('{"type":"welcome"');
const WELCOME_SEQ = /"seq":(\d+)/;
const NOT_RECOVERED = '"recovered":false';

export class StormTracker {
  readonly sockets: number;
  /** performance.now() of each socket's welcome on its new connection; NaN until then. */
  readonly welcomedAt: Float64Array;
  /** And of its resume: welcomed, and every message up to the welcome's seq received. */
  readonly resumedAt: Float64Array;
  /** The seq each socket's welcome named (the room's last when it connected); -1 until welcomed. */
  private readonly welcomeSeq: Float64Array;
  /** Welcomes that said history no longer reached back (`"recovered":false`). */
  notRecovered = 0;
  resumed = 0;
  /** Whether welcomes count: only those of the new connections, once the storm has begun. */
  armed = false;

  constructor(sockets: number) {
    this.sockets = sockets;
    this.welcomedAt = new Float64Array(sockets).fill(Number.NaN);
    this.resumedAt = new Float64Array(sockets).fill(Number.NaN);
    this.welcomeSeq = new Float64Array(sockets).fill(-1);
  }

  static isWelcome(frame: Buffer): boolean {
    return frame.length >= WELCOME.length && frame.compare(WELCOME, 0, WELCOME.length, 0, WELCOME.length) === 0;
  }

  welcome(s: number, frame: Buffer, now: number, log: DeliveryLog | undefined): void {
    if (!this.armed || s >= this.sockets || !Number.isNaN(this.welcomedAt[s] ?? 0)) return;
    const text = frame.toString("utf8");
    if (text.includes(NOT_RECOVERED)) this.notRecovered++;
    this.welcomedAt[s] = now;
    this.welcomeSeq[s] = Number(WELCOME_SEQ.exec(text)?.[1] ?? 0);
    this.check(s, now, log);
  }

  /** Marks socket `s` resumed once it has a seq at or past its welcome's. */
  check(s: number, now: number, log: DeliveryLog | undefined): void {
    const wanted = this.welcomeSeq[s] ?? -1;
    if (wanted < 0 || !Number.isNaN(this.resumedAt[s] ?? 0)) return;
    if ((log?.seqOf(s) ?? -1) < wanted) return;
    this.resumedAt[s] = now;
    this.resumed++;
  }
}

/** A frame sink that shows welcomes and every message to the storm's tracker. */
export class StormSink extends FrameSink {
  readonly tracker: StormTracker;

  constructor(sockets: number) {
    super();
    this.tracker = new StormTracker(sockets);
  }

  override onFrame(subscriber: number, frame: Buffer): void {
    const now = performance.now();
    if (StormTracker.isWelcome(frame)) {
      this.tracker.welcome(subscriber, frame, now, this.current);
      return;
    }
    super.onFrame(subscriber, frame);
    this.tracker.check(subscriber, now, this.current);
  }
}
