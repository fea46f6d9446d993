// One Durable Object class, two roles. The object named `<tenant>/<room>` is the room: its ledger
// numbers, stamps and records every message and, unsharded, its socket host holds the sockets too.
// With ROOM_SHARDS > 1 the sockets live on shard objects `<tenant>/<room>#<k>`, which the room's
// coordinator feeds. This class only dispatches, its entry points grouped by caller: the Worker,
// the tenant, a shard and its coordinator, the webhook consumer, the runtime. The parts that answer
// are built in parts.ts; the calls are typed in rpc.ts.
import { DurableObject } from "cloudflare:workers";
import { type ReceivedViewer, receivedViewer } from "../auth/principal.ts";
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
import { openSocket } from "./connect.ts";
import type { MissedPage, Replay } from "./ledger/ledger.ts";
import { type RoomParts, roomParts } from "./parts.ts";
import type * as Rpc from "./rpc.ts";
import { rpcVersion } from "./rpc.ts";
import type { ShardRef } from "./sharding/placement.ts";
import { closeQuietly } from "./sockets/send.ts";
import { tappedRoom } from "./tap.ts";

export class Room
  extends DurableObject<Env>
  implements Rpc.RoomRpc, Rpc.HolderRpc, Rpc.CoordinatorRpc, Rpc.ShardRpc, WebhookOrigin
{
  private readonly parts: RoomParts;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.parts = roomParts(ctx, env, (terms) => this.followTerms(terms));
    // Answered by the runtime without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
    void ctx.blockConcurrencyWhile(() => this.parts.alarmClock.load());
  }

  // ---- The Worker: a client's upgrade or an admin's tap, and the calls of RoomRpc ----

  /** A WebSocket upgrade forwarded by the Worker (or passed on by another object of the room), or a tap. */
  override async fetch(request: Request): Promise<Response> {
    const { config, host, coordinator, shard, events, ledger, taps } = this.parts;
    const tapped = tappedRoom(request);
    if (tapped !== undefined) return taps.open(tapped, ledger.lastSeq());
    const { env } = this;
    return openSocket(request, {
      env,
      host,
      coordinator,
      shard,
      events,
      placementKey: config.shardPlacementKey,
      learn: (terms) => this.learn(terms),
    });
  }

  /** Also called by a shard, for its clients' publishes. */
  async publish(
    reqs: readonly PublishRequest[],
    idempotency?: IdempotencyRef,
    v?: number,
    source?: ClientSource,
  ): Promise<PublishOutcome> {
    return this.rpc(v, () => this.parts.publisher.publish(reqs, idempotency, source));
  }

  /**
   * History over HTTP: one page as a JSON string, frames exactly as they were sent. `terms`: the
   * tenant's, as the Worker's snapshot holds them (a lowered historyMaxAgeSeconds hides older messages now).
   */
  async history(query: HistoryQuery, viewer: ReceivedViewer, filter?: Filter, terms?: TenantTerms): Promise<string> {
    this.learn(terms);
    const page = this.parts.ledger.page(query, receivedViewer(viewer), filter, Date.now());
    this.parts.meter.count("historyReads", "", 1);
    return page;
  }

  async presence(): Promise<Rpc.RoomPresence> {
    return this.parts.sockets.presence();
  }

  /** Closes the matching sockets with 4003: how many were open, and (sharded) the shards that did not answer. */
  async disconnect(body: DisconnectBody, v?: number): Promise<Rpc.Disconnected | number> {
    const version = rpcVersion(v);
    const answer = await this.parts.sockets.disconnect(body);
    return version === 1 ? answer.disconnected : answer;
  }

  /** The operator's view: the room's seq and where its sockets are. */
  async info(): Promise<Rpc.RoomInfo> {
    const { shards, ...gaps } = await this.parts.sockets.connections();
    const connections = shards.reduce((n, s) => n + s.connections, 0);
    return { seq: this.parts.ledger.lastSeq(), connections, shards, ...gaps };
  }

  // ---- The tenant asks any object holding sockets (HolderRpc) ----

  /** Pushed by the tenant: remember the revocation and close the sockets it matches with 4002. */
  async revoke(r: Revocation): Promise<PushResult> {
    return this.parts.host.revoke(r);
  }

  /** Pushed by the tenant (or answered to a stored room's note): its sockets, caps and history age follow. */
  async tenantTerms(terms: TenantTerms): Promise<PushResult> {
    return this.followTerms(terms);
  }

  /** Asked by a deleted tenant's object of every room that noted it stores data: the data goes now. */
  async purgeTenantData(): Promise<void> {
    this.parts.ledger.purge();
    this.parts.upkeep.emptied();
  }

  /** Asked by the tenant's sweep of registrations no connect has renewed for a long time. */
  async holdsSockets(): Promise<boolean> {
    return this.parts.host.heldForTenant() > 0;
  }

  // ---- A shard asks its coordinator, the room's own object (CoordinatorRpc; and `publish`) ----

  async attachShard(tenant: string, room: string, shard: ShardRef, v?: number): Promise<Rpc.AttachAnswer> {
    rpcVersion(v);
    // Only the first change after the room's storage was empty waits (attach and detach alike, in order).
    const reading = this.parts.events.ready({ tenant, room });
    if (reading !== undefined) await reading;
    return this.parts.coordinator.attachShard(tenant, room, shard);
  }
  async detachShard(index: number, v?: number): Promise<void> {
    rpcVersion(v);
    const reading = this.parts.events.reading();
    if (reading !== undefined) await reading;
    return this.parts.coordinator.detachShard(index);
  }
  async reserveRoomPlaces(object: string, holding: number, want: number, max: number, v?: number): Promise<number> {
    return this.rpc(v, () => this.parts.coordinator.places.reserve(object, holding, want, max));
  }
  async settleRoomPlaces(object: string, keep: number, v?: number): Promise<void> {
    return this.rpc(v, () => this.parts.coordinator.places.settle(object, keep));
  }
  async shardWatchers(index: number, has: boolean, v?: number): Promise<void> {
    return this.rpc(v, () => this.parts.coordinator.shardWatchers(index, has));
  }
  async relayPresence(index: number, frame: string, v?: number): Promise<boolean> {
    return this.rpc(v, () => this.parts.coordinator.relayPresence(index, frame));
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
    return this.rpc(v, () => this.parts.ledger.replay(since, upTo, user, filter, Date.now()));
  }
  async missed(after: number, before: number, v?: number, terms?: TenantTerms): Promise<MissedPage> {
    this.learn(terms);
    return this.rpc(v, () => this.parts.ledger.missed(after, before, Date.now()));
  }

  // ---- The coordinator asks one of its shards (ShardRpc) ----

  async feed(run: readonly Rpc.Forward[], v?: number): Promise<Rpc.ForwardResult> {
    return this.rpc(v, () => this.parts.shard.feed(run));
  }
  async feedEphemeral(run: readonly Rpc.EphemeralForward[], v?: number): Promise<number[]> {
    return this.rpc(v, () => this.parts.shard.feedEphemeral(run));
  }
  async presenceFrom(frame: string, v?: number): Promise<void> {
    return this.rpc(v, () => this.parts.host.announce(frame, undefined));
  }
  async setWatched(watched: boolean, v?: number): Promise<void> {
    return this.rpc(v, () => this.parts.shard.setWatched(watched));
  }
  async shardPresence(v?: number): Promise<PresenceSnapshot> {
    return this.rpc(v, () => this.parts.host.presence());
  }
  async shardDisconnect(body: DisconnectBody, v?: number): Promise<number> {
    return this.rpc(v, () => this.parts.host.disconnect(body));
  }
  async shardConnections(v?: number): Promise<number> {
    return this.rpc(v, () => this.parts.host.connections());
  }

  // ---- The webhook queue's consumer reports on events this object handed over (WebhookOrigin) ----

  async webhookReport(report: OutboxReport): Promise<void> {
    this.parts.events.report(report);
    // A settled outbox may be all that kept an empty room's storage.
    this.parts.upkeep.emptied();
  }

  // ---- The runtime: the alarm, and socket events (a tap's go to the taps, a client's to the host) ----

  override async alarm(): Promise<void> {
    return this.parts.upkeep.run();
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    // A tap only listens: whatever it sends is not read.
    if (!this.parts.taps.sockets.has(ws)) await this.parts.inbound.message(ws, message);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    if (this.parts.taps.sockets.has(ws)) return this.parts.taps.left(ws, code, reason);
    this.parts.host.depart(ws, code);
    // The hibernation API never answers a peer's close frame by itself.
    closeQuietly(ws, code, reason);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    if (this.parts.taps.sockets.has(ws)) return this.parts.taps.left(ws, 1006, "tap failed");
    this.parts.host.depart(ws, 1006);
  }

  /**
   * Terms newer than what the tenant last told this object, brought by a request (the Worker's
   * snapshot, or a shard's terms): followed at once. A room without the tenant's sockets gets no
   * push, so this is how a change reaches it within the Worker's cache life.
   */
  private learn(terms: TenantTerms | undefined): void {
    if (terms !== undefined && terms.at > this.parts.host.terms.at) this.followTerms(terms);
  }

  private followTerms(terms: TenantTerms): PushResult {
    const { host, ledger, alarmClock } = this.parts;
    const result = host.tenantTerms(terms);
    const own = host.terms.limits.historyMaxAgeSeconds;
    // Reads follow the age at once; the alarm deletes what falls out of it.
    const expiry = ledger.setMaxAge(own === undefined ? undefined : own * 1000);
    if (expiry !== undefined) this.ctx.waitUntil(alarmClock.schedule(expiry));
    return result;
  }

  /** Answers a call from another object of the room, unless it comes from a newer version. */
  private rpc<T>(v: number | undefined, answer: () => T): T {
    rpcVersion(v);
    return answer();
  }
}
