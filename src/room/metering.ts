// The usage meter of one object of a room (the room's own, or one of its shards): the seams count
// into it, it keeps the counts in memory and in this object's storage (see UsageMeter), and the
// object's one alarm flushes them to the tenant's usage object every few seconds, never once per
// publish or delivery. Before the object deletes its storage (an idle room), everything is flushed.
import type { Config } from "../config.ts";
import type { Env } from "../env.ts";
import { log } from "../log.ts";
import { type MeterIdentity, UsageMeter } from "../usage/meter.ts";
import type { Counter } from "../usage/metrics.ts";
import { sendReport } from "../usage/partitions.ts";

/**
 * Who an object counts for, from its name (`<tenant>/<room>` or `<tenant>/<room>#<k>`, see
 * sharding/placement.ts). Neither a tenant nor a room name holds `/` or `#`.
 */
export function meterIdentityOf(objectName: string | undefined): MeterIdentity | undefined {
  const match = /^([^/#]+)\/([^/#]+)(#\d+)?$/.exec(objectName ?? "");
  if (match === null) return undefined;
  return { tenant: match[1] as string, room: match[2] as string, reporter: objectName as string };
}

/** What the object tells the meter about itself when it reports. */
export type MeteredSockets = {
  /** Sockets held now (O(1)). */
  connections(): number;
  /** Distinct users among them, read only when a report is sealed. */
  users(): number;
};

export class RoomMeter {
  private readonly ctx: DurableObjectState;
  private readonly env: Env;
  private readonly config: Config;
  private readonly sockets: MeteredSockets;
  /** Arms the object's alarm no later than the given time. */
  private readonly wake: (atMs: number) => void;
  private meter: UsageMeter | undefined;
  private readonly who: MeterIdentity | undefined;

  constructor(ctx: DurableObjectState, env: Env, config: Config, sockets: MeteredSockets, wake: (at: number) => void) {
    this.ctx = ctx;
    this.env = env;
    this.config = config;
    this.sockets = sockets;
    this.wake = wake;
    this.who = meterIdentityOf(ctx.id.name);
  }

  /** Adds to a counter (written to storage within a second, see UsageMeter; flushed by the alarm). */
  count(counter: Counter, label: string, value: number): void {
    const meter = this.open();
    if (meter === undefined || value === 0) return;
    const now = Date.now();
    meter.count(counter, label, value, now);
    this.arm(meter);
  }

  /** A socket joined or left: the rooms list and the peak follow within seconds. */
  socketsChanged(): void {
    const meter = this.open();
    if (meter === undefined) return;
    meter.setLive(this.sockets.connections(), Date.now());
    this.arm(meter);
  }

  /** When the alarm must run next for usage, if at all. */
  due(): number | undefined {
    return this.meter?.due();
  }

  /**
   * From the alarm: flushes whatever is pending (the alarm runs early only for the object's other
   * upkeep, which is rare), or the heartbeat when it is due. True when nothing is left unsent.
   */
  async flush(nowMs: number): Promise<boolean> {
    const meter = this.open();
    if (meter === undefined) return true;
    // After a wake-up the meter knows the sockets only from here.
    meter.setLive(this.sockets.connections(), nowMs);
    if (meter.idle() && (meter.due() ?? Number.POSITIVE_INFINITY) > nowMs) return true;
    const room = this.who?.room ?? "";
    const sent = await meter.flush((r) => sendReport(this.env, this.config, room, r), nowMs, this.sockets.users());
    if (!sent) log("usage_flush_failed", { tenant: this.who?.tenant, room });
    return sent && meter.idle();
  }

  /**
   * The object's storage was deleted (its table too): the next count starts a new meter. Called
   * only after a flush left the meter idle, so the old one has no write pending.
   */
  forget(): void {
    this.meter = undefined;
  }

  private open(): UsageMeter | undefined {
    // USAGE_METER=off: nothing is counted, stored or flushed (a room's older counts stay unsent).
    if (this.who === undefined || !this.config.usageMeter) return undefined;
    this.meter ??= new UsageMeter(this.ctx.storage.sql, this.who);
    return this.meter;
  }

  private arm(meter: UsageMeter): void {
    const at = meter.due();
    if (at !== undefined) this.wake(at);
  }
}
