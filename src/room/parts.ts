// The parts of one object of the room class, built and wired once per object life. Parts that need
// one another are reached through closures, which run only after every part exists.
import { type Config, configFor } from "../config.ts";
import type { TenantTerms } from "../control/terms.ts";
import type { Env } from "../env.ts";
import { AlarmClock } from "./alarm.ts";
import { RoomEvents } from "./events/room-events.ts";
import { Ledger } from "./ledger/ledger.ts";
import { RoomMeter } from "./metering.ts";
import { ownSockets, Publisher } from "./publisher.ts";
import { RoomSockets } from "./room-sockets.ts";
import { Coordinator } from "./sharding/coordinator.ts";
import type { ShardRef } from "./sharding/placement.ts";
import { Shard } from "./sharding/shard.ts";
import { FrameBudgets } from "./sockets/budgets.ts";
import { SocketHost } from "./sockets/host.ts";
import { Inbound } from "./sockets/inbound.ts";
import { TenantPublishRate } from "./sockets/tenant-rate.ts";
import { StoredRoomNotice } from "./stored-room.ts";
import { Taps } from "./tap.ts";
import { Upkeep } from "./upkeep.ts";
import type { Upstream } from "./upstream.ts";

export type RoomParts = {
  config: Config;
  alarmClock: AlarmClock;
  ledger: Ledger;
  events: RoomEvents;
  host: SocketHost;
  inbound: Inbound;
  coordinator: Coordinator;
  shard: Shard;
  publisher: Publisher;
  upkeep: Upkeep;
  meter: RoomMeter;
  taps: Taps;
  /** The room's sockets wherever they are (here or on shards). */
  sockets: RoomSockets;
};

/** `learned`: the tenant's terms, when a stored room's note to the tenant brings them back. */
export function roomParts(ctx: DurableObjectState, env: Env, learned: (terms: TenantTerms) => void): RoomParts {
  const config = configFor(env);
  const alarmClock = new AlarmClock(ctx.storage);
  const schedule = (at: number) => ctx.waitUntil(alarmClock.schedule(at));
  const ledger = new Ledger(ctx.storage, config);
  const events = new RoomEvents(ctx, env, alarmClock);
  const taps = new Taps(ctx);
  const budgets = new FrameBudgets(config);
  const held = { connections: (): number => host.accepted, users: (): number => host.presence().users.length };
  const meter = new RoomMeter(ctx, env, config, held, schedule);
  // The upstream of a shard's sockets, or of the room object's own (an unsharded room).
  const upstreamOf = (s: ShardRef | undefined): Upstream => (s ? shard : local);
  const host = new SocketHost(ctx, env, config, alarmClock, budgets, events, upstreamOf, meter, taps);
  const inbound = new Inbound(host, budgets, config, meter, new TenantPublishRate(env.TENANT_PUBLISH_LIMITER));
  const shard = new Shard(ctx, env, host);
  const coordinator = new Coordinator(ctx.storage.sql, env, {
    lastSeq: () => ledger.lastSeq(),
    held: () => host.held,
    emptied: () => upkeep.emptied(),
    occupancy: (where, occupied) => events.occupancy(where, occupied),
  });
  const stored = new StoredRoomNotice(ctx, env, learned);
  const publisher = new Publisher({ ledger, host, coordinator, events, meter, taps }, (now) => {
    schedule(now + ledger.maxAgeMs);
    stored.recorded();
  });
  const upkeep = new Upkeep(
    ctx,
    alarmClock,
    { host, ledger, meter, events },
    () => coordinator.count !== undefined || shard.ref !== undefined,
    () => stored.cleared(),
  );
  const local = ownSockets(ledger, publisher, () => upkeep.emptied());
  const sockets = new RoomSockets(host, coordinator);
  return {
    config,
    alarmClock,
    ledger,
    events,
    host,
    inbound,
    coordinator,
    shard,
    publisher,
    upkeep,
    meter,
    taps,
    sockets,
  };
}
