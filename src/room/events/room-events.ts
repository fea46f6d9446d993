// The webhook events of one object of the room, each recorded in the same synchronous step as the
// change it describes (see handoff.ts for what happens next). Occupied/vacated belong to the object
// that knows the whole room (the coordinator, or an unsharded room's own object); joined/left to
// the object holding the user's sockets; a client's publish to the object that numbers it. Durable
// flags (occupied, users present) make each change count once, however the runtime reports it,
// and every event carries the object's counter so a receiver can order what arrives late.
import { configFor } from "../../config.ts";
import type { Env } from "../../env.ts";
import { log } from "../../log.ts";
import type { QueuedEvent } from "../../protocol.ts";
import {
  type ClientSource,
  type EventRoom,
  type EventSource,
  messageEvent,
  newEventId,
  occupancyEvent,
  presenceEvent,
  type RecordedMessage,
} from "../../webhooks/events.ts";
import { hubStub } from "../../webhooks/hub.ts";
import type { OutboxReport } from "../../webhooks/reports.ts";
import type { AlarmClock } from "../alarm.ts";
import { hostObjectName, type ShardRef } from "../sharding/placement.ts";
import type { ConnectionState } from "../sockets/attachment.ts";
import { Handoff } from "./handoff.ts";
import { Interest } from "./interest.ts";
import { EventStore } from "./store.ts";

export class RoomEvents {
  private readonly store: EventStore;
  private readonly interest: Interest;
  private readonly outbox: Handoff;
  private readonly leaseMs: number;
  /** Whether this object life has logged tables it cannot read. */
  private warned = false;

  constructor(ctx: DurableObjectState, env: Env, alarm: AlarmClock) {
    const background = (work: Promise<unknown>) => ctx.waitUntil(work);
    this.store = new EventStore(ctx.storage);
    this.interest = new Interest(this.store, (tenant) => hubStub(env, tenant).subscriptions(), background);
    this.leaseMs = configFor(env).webhooks.handoffLeaseMs;
    this.outbox = new Handoff(this.store, env.WEBHOOK_QUEUE, alarm, background, this.leaseMs);
  }

  /** Undefined when the room's interest is known; else wait for it before a change that may record. */
  ready(where: EventRoom): Promise<void> | undefined {
    return this.interest.ready(where, Date.now());
  }

  /** The read of the room's interest in flight, if any: a change that must keep its order behind one waits for it. */
  reading(): Promise<void> | undefined {
    return this.interest.reading;
  }

  /** The room became occupied (its first socket anywhere) or vacated (its last left). */
  occupancy(where: EventRoom, occupied: boolean): void {
    const now = Date.now();
    if (!this.writable() || !this.interest.wants(where, now, "room.occupied", "room.vacated")) return;
    if ((this.store.get("occupied") ?? false) === occupied) return;
    this.store.set("occupied", occupied);
    const counter = this.store.nextCounter(now);
    const type = occupied ? "room.occupied" : "room.vacated";
    if (!this.interest.wants(where, now, type)) return;
    const event = occupancyEvent(occupied, where, counter, { id: newEventId(), ts: now });
    this.record(where, undefined, event, now);
  }

  /** A user's first connection here (`present`) or last one gone; `shard` is where the sockets live. */
  presence(where: EventRoom, shard: ShardRef | undefined, who: EventSource, present: boolean): void {
    const now = Date.now();
    if (!this.writable() || !this.interest.wants(where, now, "presence.joined", "presence.left")) return;
    if (!this.store.setMember(who.user, present)) return;
    const counter = this.store.nextCounter(now);
    if (!this.interest.wants(where, now, present ? "presence.joined" : "presence.left")) return;
    this.record(where, shard, presenceEvent(present, where, who, counter, { id: newEventId(), ts: now }), now);
  }

  /** A client's publish, recorded by this object's ledger. */
  published(source: ClientSource, room: string, message: RecordedMessage): void {
    const now = Date.now();
    const where = { tenant: source.tenant, room };
    if (!this.writable() || !this.interest.wants(where, now, "message.published")) return;
    this.record(where, undefined, messageEvent(where, source, message, { id: newEventId(), ts: now }), now);
  }

  /** A socket was accepted here: the room's own object's first occupies the room; its user's first here joins. */
  arrived(state: ConnectionState): void {
    const where = { tenant: state.tenant, room: state.room };
    if (state.shard === undefined) this.occupancy(where, true);
    this.presence(where, state.shard, who(state), true);
  }

  /**
   * A socket's departure was reported: its user's last here leaves; the room's own object's last
   * vacates the room. `holds` says whether any socket (of a user) has not departed yet.
   */
  departed(state: ConnectionState, holds: (user?: string) => boolean): void {
    const where = { tenant: state.tenant, room: state.room };
    const now = Date.now();
    if (this.interest.wants(where, now, "presence.joined", "presence.left") && !holds(state.id))
      this.presence(where, state.shard, who(state), false);
    if (state.shard === undefined && this.interest.wants(where, now, "room.occupied", "room.vacated") && !holds())
      this.occupancy(where, false);
  }

  report(report: OutboxReport): void {
    if (this.writable()) this.outbox.report(report);
  }

  handOver(now: number): Promise<void> {
    return this.writable() ? this.outbox.handOver(now) : Promise.resolve();
  }

  /**
   * When the outbox next needs the alarm; undefined when it is empty. A newer version's state is
   * kept (the room must not delete it) and looked at again a lease later.
   */
  due(): number | undefined {
    return this.writable() ? this.outbox.due() : Date.now() + this.leaseMs;
  }

  /** The object deleted its storage. */
  forget(): void {
    this.store.forget();
  }

  /** False after a rollback, while the tables are a newer version's: those are left as they are. */
  private writable(): boolean {
    const newer = this.store.newer();
    if (newer === undefined) return true;
    if (!this.warned) log("webhook_events_unreadable", { error: newer.message });
    this.warned = true;
    return false;
  }

  private record(where: EventRoom, shard: ShardRef | undefined, event: QueuedEvent, now: number): void {
    this.outbox.record({ tenant: where.tenant, origin: hostObjectName(where.tenant, where.room, shard) }, [event], now);
  }
}

const who = (s: ConnectionState): EventSource => ({ user: s.id, connectionId: s.connectionId });
