// The object's upkeep, run by its one alarm: sockets whose token expired are closed, history past
// its age bound is deleted, webhook events whose hand-off went unanswered are handed over again,
// and an object left with neither sockets, shards, history nor unsettled events deletes its
// storage, so an idle room costs nothing; usage counts are flushed first (and on their own
// schedule, see metering.ts). The alarm is then armed for whatever comes next.
import type { AlarmClock } from "./alarm.ts";
import type { RoomEvents } from "./events/room-events.ts";
import type { Ledger } from "./ledger/ledger.ts";
import type { RoomMeter } from "./metering.ts";
import type { SocketHost } from "./sockets/host.ts";

export class Upkeep {
  private readonly ctx: DurableObjectState;
  private readonly clock: AlarmClock;
  private readonly host: SocketHost;
  private readonly ledger: Ledger;
  private readonly meter: RoomMeter;
  private readonly events: RoomEvents;
  /** Whether the object takes part in a sharded room: as its coordinator, or as one of its shards. */
  private readonly sharded: () => boolean;

  constructor(
    ctx: DurableObjectState,
    clock: AlarmClock,
    parts: { host: SocketHost; ledger: Ledger; meter: RoomMeter; events: RoomEvents },
    sharded: () => boolean,
  ) {
    this.ctx = ctx;
    this.clock = clock;
    this.host = parts.host;
    this.ledger = parts.ledger;
    this.meter = parts.meter;
    this.events = parts.events;
    this.sharded = sharded;
  }

  async run(): Promise<void> {
    this.clock.fired();
    const now = Date.now();
    const nextExpiry = this.host.expire(now);
    this.ledger.expire(now);
    const historyExpiry = this.ledger.nextExpiry();
    await this.events.handOver(now);
    // Storage goes only once the counts it holds have reached the usage object; a socket may have
    // come in while they were on their way.
    const settled = await this.meter.flush(now);
    if (settled && this.isIdle()) {
      this.meter.forget();
      this.events.forget();
      return this.ledger.clear();
    }
    const at = [nextExpiry, historyExpiry, this.meter.due(), this.events.due()];
    await this.clock.schedule(Math.min(...at.map((t) => t ?? Number.POSITIVE_INFINITY)));
  }

  /** Nothing holds this object any more: unless history or unsettled events remain, the alarm deletes its storage now. */
  emptied(): void {
    if (this.isIdle()) this.ctx.waitUntil(this.clock.schedule(Date.now()));
  }

  private isIdle(): boolean {
    return (
      this.host.held === 0 &&
      !this.sharded() &&
      this.ledger.nextExpiry() === undefined &&
      this.events.due() === undefined
    );
  }
}
