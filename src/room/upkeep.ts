// The object's upkeep, run by its one alarm: sockets whose token expired are closed, history past
// its age bound is deleted, webhook events whose hand-off went unanswered are handed over again, and
// an object left with neither sockets, shards, history nor unsettled events deletes its storage, so
// an idle room costs nothing. The alarm is then armed for whatever comes next.
import type { AlarmClock } from "./alarm.ts";
import type { RoomEvents } from "./events/room-events.ts";
import type { Ledger } from "./ledger/ledger.ts";
import type { SocketHost } from "./sockets/host.ts";

export class Upkeep {
  private readonly ctx: DurableObjectState;
  private readonly clock: AlarmClock;
  private readonly host: SocketHost;
  private readonly ledger: Ledger;
  private readonly events: RoomEvents;
  /** Whether the object takes part in a sharded room: as its coordinator, or as one of its shards. */
  private readonly sharded: () => boolean;

  constructor(
    ctx: DurableObjectState,
    clock: AlarmClock,
    host: SocketHost,
    ledger: Ledger,
    events: RoomEvents,
    sharded: () => boolean,
  ) {
    this.ctx = ctx;
    this.events = events;
    this.clock = clock;
    this.host = host;
    this.ledger = ledger;
    this.sharded = sharded;
  }

  async run(): Promise<void> {
    this.clock.fired();
    const now = Date.now();
    const nextExpiry = this.host.expire(now);
    this.ledger.expire(now);
    const historyExpiry = this.ledger.nextExpiry();
    await this.events.handOver(now);
    if (this.isIdle()) {
      await this.ledger.clear();
      this.events.forget();
      return;
    }
    const at = [nextExpiry, historyExpiry, this.events.due()].map((t) => t ?? Number.POSITIVE_INFINITY);
    await this.clock.schedule(Math.min(...at));
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
