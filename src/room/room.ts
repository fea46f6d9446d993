// One Durable Object class, two roles. The object named `<tenant>/<room>` is the room: its ledger
// numbers, stamps and records every message and, unsharded, its socket host holds the sockets too.
// With ROOM_SHARDS > 1 the sockets live on shard objects `<tenant>/<room>#<k>`, which the room's
// coordinator feeds. This class only dispatches: runtime events and the calls of rpc.ts go to the
// part that answers them.
import { DurableObject } from "cloudflare:workers";
import { type ReceivedViewer, receivedViewer } from "../auth/principal.ts";
import { type Config, configFor } from "../config.ts";
import type { TenantTerms } from "../control/terms.ts";
import type { Env } from "../env.ts";
import type { Filter } from "../filter.ts";
import type {
  DisconnectBody,
  HistoryQuery,
  IdempotencyRef,
  PresenceSnapshot,
  PublishOutcome,
  PublishRequest,
  Revocation,
} from "../protocol.ts";
import type { PushResult } from "../tenant/holders.ts";
import type { ClientSource } from "../webhooks/events.ts";
import type { OutboxReport, WebhookOrigin } from "../webhooks/reports.ts";
import { PING_FRAME, PONG_FRAME } from "../wire.ts";
import { AlarmClock } from "./alarm.ts";
import { openSocket } from "./connect.ts";
import { RoomEvents } from "./events/room-events.ts";
import type { MissedPage } from "./ledger/ledger.ts";
import { Ledger, type Replay } from "./ledger/ledger.ts";
import { RoomMeter } from "./metering.ts";
import { ownSockets, Publisher } from "./publisher.ts";
import type * as Rpc from "./rpc.ts";
import { rpcVersion } from "./rpc.ts";
import { Coordinator } from "./sharding/coordinator.ts";
import type { ShardRef } from "./sharding/placement.ts";
import { Shard } from "./sharding/shard.ts";
import { FrameBudgets } from "./sockets/budgets.ts";
import { SocketHost } from "./sockets/host.ts";
import { Inbound } from "./sockets/inbound.ts";
import { closeQuietly } from "./sockets/send.ts";
import { TenantPublishRate } from "./sockets/tenant-rate.ts";
import { StoredRoomNotice } from "./stored-room.ts";
import { Upkeep } from "./upkeep.ts";
import type { Upstream } from "./upstream.ts";

export class Room
  extends DurableObject<Env>
  implements Rpc.RoomRpc, Rpc.HolderRpc, Rpc.CoordinatorRpc, Rpc.ShardRpc, WebhookOrigin
{
  private readonly config: Config;
  private readonly alarmClock: AlarmClock;
  private readonly ledger: Ledger;
  private readonly events: RoomEvents;
  private readonly host: SocketHost;
  private readonly inbound: Inbound;
  private readonly coordinator: Coordinator;
  private readonly shard: Shard;
  private readonly publisher: Publisher;
  private readonly upkeep: Upkeep;
  private readonly meter: RoomMeter;
  /** The upstream of the room object's own sockets (an unsharded room). */
  private readonly local: Upstream;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.config = configFor(env);
    this.alarmClock = new AlarmClock(ctx.storage);
    this.ledger = new Ledger(ctx.storage, this.config);
    this.events = new RoomEvents(ctx, env, this.alarmClock);
    const budgets = new FrameBudgets(this.config);
    const sockets = { connections: () => this.host.accepted, users: () => this.host.presence().users.length };
    this.meter = new RoomMeter(ctx, env, this.config, sockets, (at) => ctx.waitUntil(this.alarmClock.schedule(at)));
    const upstreamOf = (s: ShardRef | undefined) => (s ? this.shard : this.local);
    this.host = new SocketHost(ctx, env, this.config, this.alarmClock, budgets, this.events, upstreamOf, this.meter);
    this.inbound = new Inbound(
      this.host,
      budgets,
      this.config,
      this.meter,
      new TenantPublishRate(env.TENANT_PUBLISH_LIMITER),
    );
    this.shard = new Shard(ctx, env, this.host);
    this.coordinator = new Coordinator(ctx.storage.sql, env, {
      lastSeq: () => this.ledger.lastSeq(),
      held: () => this.host.held,
      emptied: () => this.upkeep.emptied(),
      occupancy: (where, occupied) => this.events.occupancy(where, occupied),
    });
    const stored = new StoredRoomNotice(ctx, env, (terms) => this.followTerms(terms));
    this.publisher = new Publisher(this.ledger, this.host, this.coordinator, this.events, this.meter, (now) => {
      ctx.waitUntil(this.alarmClock.schedule(now + this.ledger.maxAgeMs));
      stored.recorded();
    });
    const { host, ledger, meter, events } = this;
    this.upkeep = new Upkeep(
      ctx,
      this.alarmClock,
      { host, ledger, meter, events },
      () => this.coordinator.count !== undefined || this.shard.ref !== undefined,
      () => stored.cleared(),
    );
    this.local = ownSockets(this.ledger, this.publisher, () => this.upkeep.emptied());
    // Answered by the runtime without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
    void ctx.blockConcurrencyWhile(() => this.alarmClock.load());
  }

  /** Accepts a WebSocket upgrade forwarded by the Worker (or passed on by another object of the room). */
  override async fetch(request: Request): Promise<Response> {
    const { env, host, coordinator, shard, events } = this;
    return openSocket(request, {
      env,
      host,
      coordinator,
      shard,
      events,
      placementKey: this.config.shardPlacementKey,
      learn: (terms) => this.learn(terms),
    });
  }

  // ---- RoomRpc: the Worker asks the room (a shard forwards its clients' publishes here too) ----

  async publish(
    reqs: readonly PublishRequest[],
    idempotency?: IdempotencyRef,
    v?: number,
    source?: ClientSource,
  ): Promise<PublishOutcome> {
    return this.rpc(v, () => this.publisher.publish(reqs, idempotency, source));
  }

  /**
   * History over HTTP: one page as a JSON string, frames exactly as they were sent. `terms`: the
   * tenant's, as the Worker's snapshot holds them (a lowered historyMaxAgeSeconds hides older messages now).
   */
  async history(query: HistoryQuery, viewer: ReceivedViewer, filter?: Filter, terms?: TenantTerms): Promise<string> {
    this.learn(terms);
    const page = this.ledger.page(query, receivedViewer(viewer), filter, Date.now());
    this.meter.count("historyReads", "", 1);
    return page;
  }

  async presence(): Promise<Rpc.RoomPresence> {
    return this.coordinator.count === undefined ? this.host.presence() : this.coordinator.presence();
  }

  /** Closes the matching sockets with 4003: how many were open, and (sharded) the shards that did not answer. */
  async disconnect(body: DisconnectBody, v?: number): Promise<Rpc.Disconnected | number> {
    const version = rpcVersion(v);
    const answer =
      this.coordinator.count === undefined
        ? { disconnected: this.host.disconnect(body) }
        : await this.coordinator.disconnect(body);
    return version === 1 ? answer.disconnected : answer;
  }

  /** The operator's view: the room's seq and where its sockets are. */
  async info(): Promise<Rpc.RoomInfo> {
    const seq = this.ledger.lastSeq();
    const { shards, ...gaps } =
      this.coordinator.count === undefined
        ? { shards: [{ shard: 0, connections: this.host.connections() }] }
        : await this.coordinator.connections();
    return { seq, connections: shards.reduce((n, s) => n + s.connections, 0), shards, ...gaps };
  }

  // ---- CoordinatorRpc: a shard asks the room; ShardRpc: the room asks a shard (see rpc.ts) ----

  async attachShard(tenant: string, room: string, shard: ShardRef, v?: number): Promise<Rpc.AttachAnswer> {
    rpcVersion(v);
    // Only the first change after the room's storage was empty waits (attach and detach alike, in order).
    const reading = this.events.ready({ tenant, room });
    if (reading !== undefined) await reading;
    return this.coordinator.attachShard(tenant, room, shard);
  }
  async detachShard(index: number, v?: number): Promise<void> {
    rpcVersion(v);
    const reading = this.events.reading();
    if (reading !== undefined) await reading;
    return this.coordinator.detachShard(index);
  }
  async reserveRoomPlaces(object: string, holding: number, want: number, max: number, v?: number): Promise<number> {
    return this.rpc(v, () => this.coordinator.places.reserve(object, holding, want, max));
  }
  async settleRoomPlaces(object: string, keep: number, v?: number): Promise<void> {
    return this.rpc(v, () => this.coordinator.places.settle(object, keep));
  }
  async shardWatchers(index: number, has: boolean, v?: number): Promise<void> {
    return this.rpc(v, () => this.coordinator.shardWatchers(index, has));
  }
  async relayPresence(index: number, frame: string, v?: number): Promise<boolean> {
    return this.rpc(v, () => this.coordinator.relayPresence(index, frame));
  }
  async replay(
    since: number,
    upTo: number,
    user: string,
    filter: Filter | undefined,
    v?: number,
    terms?: TenantTerms,
  ): Promise<Replay> {
    this.learn(terms);
    return this.rpc(v, () => this.ledger.replay(since, upTo, user, filter, Date.now()));
  }
  async missed(after: number, before: number, v?: number, terms?: TenantTerms): Promise<MissedPage> {
    this.learn(terms);
    return this.rpc(v, () => this.ledger.missed(after, before, Date.now()));
  }
  async feed(run: readonly Rpc.Forward[], v?: number): Promise<Rpc.ForwardResult> {
    return this.rpc(v, () => this.shard.feed(run));
  }
  async feedEphemeral(run: readonly Rpc.EphemeralForward[], v?: number): Promise<number[]> {
    return this.rpc(v, () => this.shard.feedEphemeral(run));
  }
  async presenceFrom(frame: string, v?: number): Promise<void> {
    return this.rpc(v, () => this.host.announce(frame, undefined));
  }
  async setWatched(watched: boolean, v?: number): Promise<void> {
    return this.rpc(v, () => this.shard.setWatched(watched));
  }
  async shardPresence(v?: number): Promise<PresenceSnapshot> {
    return this.rpc(v, () => this.host.presence());
  }
  async shardDisconnect(body: DisconnectBody, v?: number): Promise<number> {
    return this.rpc(v, () => this.host.disconnect(body));
  }
  async shardConnections(v?: number): Promise<number> {
    return this.rpc(v, () => this.host.connections());
  }

  // ---- HolderRpc: the tenant asks any object holding sockets ----

  /** Pushed by the tenant: remember the revocation and close the sockets it matches with 4002. */
  async revoke(r: Revocation): Promise<PushResult> {
    return this.host.revoke(r);
  }

  /** Pushed by the tenant (or answered to a stored room's note): its sockets, caps and history age follow. */
  async tenantTerms(terms: TenantTerms): Promise<PushResult> {
    return this.followTerms(terms);
  }

  /** Asked by a deleted tenant's object of every room that noted it stores data: the data goes now. */
  async purgeTenantData(): Promise<void> {
    this.ledger.purge();
    this.upkeep.emptied();
  }

  /** Asked by the tenant's sweep of registrations no connect has renewed for a long time. */
  async holdsSockets(): Promise<boolean> {
    return this.host.heldForTenant() > 0;
  }

  // ---- WebhookOrigin: the queue consumer reports on events this object handed over ----

  async webhookReport(report: OutboxReport): Promise<void> {
    this.events.report(report);
    // A settled outbox may be all that kept an empty room's storage.
    this.upkeep.emptied();
  }

  // ---- The runtime ----

  override async alarm(): Promise<void> {
    return this.upkeep.run();
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    await this.inbound.message(ws, message);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.host.depart(ws, code);
    // The hibernation API never answers a peer's close frame by itself.
    closeQuietly(ws, code, reason);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.host.depart(ws, 1006);
  }

  /**
   * Terms newer than what the tenant last told this object, brought by a request (the Worker's
   * snapshot, or a shard's terms): followed at once. A room without the tenant's sockets gets no
   * push, so this is how a change reaches it within the Worker's cache life.
   */
  private learn(terms: TenantTerms | undefined): void {
    if (terms !== undefined && terms.at > this.host.terms.at) this.followTerms(terms);
  }

  private followTerms(terms: TenantTerms): PushResult {
    const result = this.host.tenantTerms(terms);
    const own = this.host.terms.limits.historyMaxAgeSeconds;
    // Reads follow the age at once; the alarm deletes what falls out of it.
    const expiry = this.ledger.setMaxAge(own === undefined ? undefined : own * 1000);
    if (expiry !== undefined) this.ctx.waitUntil(this.alarmClock.schedule(expiry));
    return result;
  }

  /** Answers a call from another object of the room, unless it comes from a newer version. */
  private rpc<T>(v: number | undefined, answer: () => T): T {
    rpcVersion(v);
    return answer();
  }
}
