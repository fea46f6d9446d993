// What a client's frames cost it: every frame the room handles draws from its connection's bucket,
// a publish also from its user's (kept across reconnects), a refresh also from its own few. A frame
// over budget is refused with how long to wait; invalid frames are strikes, and too many strikes
// close the socket.
import type { Config } from "../../config.ts";
import { GatewayError } from "../../errors.ts";
import { Buckets, ruleFor } from "../../limits/token-bucket.ts";
import type { ClientFrame } from "../../protocol.ts";
import type { ConnectionState } from "./attachment.ts";

const ABUSE_WINDOW_MS = 10_000;
/** Each refresh is a signature check: a connection gets a few a minute, far more than expiry needs. */
const REFRESH_BURST = 6;
const REFRESH_WINDOW_MS = 60_000;

export class FrameBudgets {
  // In memory: the object only hibernates after seconds of silence, by which time a bucket would
  // have refilled anyway. Per-user buckets outlive their sockets, so a reconnect refills nothing.
  private readonly frames: Buckets;
  private readonly userPublishes: Buckets;
  private readonly refreshes: Buckets;
  private readonly strikes: Buckets;
  /** One log line per connection per window for its `rate_limited` refusals: a flood must not become a flood of logs. */
  private readonly limitedLogs: Buckets;

  constructor(config: Config) {
    this.frames = new Buckets(ruleFor(config.clientPublishBurst, config.clientPublishWindowMs));
    this.userPublishes = new Buckets(ruleFor(config.clientUserPublishBurst, config.clientPublishWindowMs));
    this.refreshes = new Buckets(ruleFor(REFRESH_BURST, REFRESH_WINDOW_MS));
    this.strikes = new Buckets(ruleFor(config.abuseStrikes, ABUSE_WINDOW_MS));
    this.limitedLogs = new Buckets(ruleFor(1, ABUSE_WINDOW_MS));
  }

  /** Takes what `frame` costs, or refuses it with the wait (seconds, to the millisecond) of the budget that refused. */
  refusal(state: ConnectionState, frame: ClientFrame, now: number): GatewayError | undefined {
    // In order, and no further than the first refusal: a refused frame spends nothing else.
    const waitMs =
      this.frames.wait(state.connectionId, now) ||
      (frame.type === "publish" ? this.userPublishes.wait(state.id, now) : 0) ||
      (frame.type === "refresh" ? this.refreshes.wait(state.connectionId, now) : 0);
    if (waitMs === 0) return undefined;
    return new GatewayError("rate_limited", `${frame.type} rate exceeded`, undefined, Math.ceil(waitMs) / 1000);
  }

  /** Counts a strike; true when the connection has now struck out. */
  struckOut(connectionId: string, now: number): boolean {
    return !this.strikes.allow(connectionId, now);
  }

  /** Whether a refusal of this connection's should be logged: invalid frames always, rate refusals once a window. */
  logs(connectionId: string, error: GatewayError, now: number): boolean {
    return error.code !== "rate_limited" || this.limitedLogs.allow(connectionId, now);
  }

  /** The connection is gone; its user's bucket stays. */
  forget(connectionId: string): void {
    this.frames.delete(connectionId);
    this.refreshes.delete(connectionId);
    this.strikes.delete(connectionId);
    this.limitedLogs.delete(connectionId);
  }
}
