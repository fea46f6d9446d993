// The object's upkeep, run by its one alarm: sockets whose token expired are closed, history past
// its age bound is deleted, and an object left with neither sockets, shards nor history deletes its
// storage, so an idle room costs nothing. The alarm is then armed for whatever comes next.
import type { AlarmClock } from "./alarm.ts";
import type { Ledger } from "./ledger/ledger.ts";
import type { SocketHost } from "./sockets/host.ts";

export class Upkeep {
  private readonly ctx: DurableObjectState;
  private readonly clock: AlarmClock;
  private readonly host: SocketHost;
  private readonly ledger: Ledger;
  /** Whether the object takes part in a sharded room: as its coordinator, or as one of its shards. */
  private readonly sharded: () => boolean;
  /** Told once the object deleted its storage, when that held messages. */
  private readonly cleared: () => void;

  constructor(
    ctx: DurableObjectState,
    clock: AlarmClock,
    host: SocketHost,
    ledger: Ledger,
    sharded: () => boolean,
    cleared: () => void,
  ) {
    this.ctx = ctx;
    this.cleared = cleared;
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
    if (this.isEmpty() && historyExpiry === undefined) {
      if (await this.ledger.clear()) this.cleared();
      return;
    }
    await this.clock.schedule(
      Math.min(nextExpiry ?? Number.POSITIVE_INFINITY, historyExpiry ?? Number.POSITIVE_INFINITY),
    );
  }

  /** Nothing holds this object any more: unless history remains, the alarm deletes its storage now. */
  emptied(): void {
    if (this.isEmpty() && this.ledger.nextExpiry() === undefined) this.ctx.waitUntil(this.clock.schedule(Date.now()));
  }

  private isEmpty(): boolean {
    return this.host.held === 0 && !this.sharded();
  }
}
