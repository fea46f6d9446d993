// One Durable Object class, two roles. The object named `<tenant>/<room>` is the room: it numbers,
// stamps and records every message (the ledger) and, unsharded, holds the sockets too. With
// ROOM_SHARDS > 1 the sockets live on shard objects `<tenant>/<room>#<k>`, which the room feeds
// (the fanout). Handlers stay thin: the work is in SocketHost, Ledger, Fanout and ShardFeed.
import { DurableObject } from "cloudflare:workers";
import { type Config, configFor } from "../config.ts";
import type { Env } from "../env.ts";
import { errorResponse, GatewayError } from "../errors.ts";
import type { Filter } from "../filter.ts";
import { log } from "../log.ts";
import {
  type DisconnectBody,
  decodeRoomConnect,
  encodeRoomConnect,
  type HistoryQuery,
  IDENTITY_HEADER,
  type IdempotencyRef,
  type PresenceSnapshot,
  type PublishOutcome,
  type PublishRequest,
  type PublishResult,
  type Revocation,
} from "../protocol.ts";
import type { PushResult } from "../tenant/push.ts";
import { PING_FRAME, PONG_FRAME, SUBPROTOCOL } from "../wire.ts";
import { AlarmClock } from "./alarm.ts";
import { roomStub, roomStubByName } from "./client.ts";
import type { Outgoing } from "./delivery/deliverer.ts";
import type { Page, Viewer } from "./ledger/history.ts";
import { Ledger, type Replay } from "./ledger/ledger.ts";
import { Fanout, type ForwardResult } from "./sharding/coordinator.ts";
import { type Forward, type RoomIdentity, ShardFeed, stepFor } from "./sharding/feed.ts";
import { hostObjectName, type ShardRef, shardOf } from "./sharding/placement.ts";
import { type ConnectionState, stateOf } from "./sockets/attachment.ts";
import { SocketHost } from "./sockets/host.ts";
import { mergeSnapshots } from "./sockets/presence.ts";
import { closeQuietly } from "./sockets/send.ts";

type Connect = ReturnType<typeof decodeRoomConnect>;
/** A shard's attach: refused with the room's layout, or accepted with the seq it is fed from. */
export type AttachAnswer = { count: number } | { fed: number; watched: boolean };
/** The operator's view of a room. */
export type RoomInfo = { seq: number; connections: number; shards: { shard: number; connections: number }[] };

export class Room extends DurableObject<Env> {
  private readonly config: Config;
  private readonly alarmClock: AlarmClock;
  private readonly ledger: Ledger;
  private readonly fanout: Fanout;
  private readonly shard: ShardFeed;
  private readonly host: SocketHost;
  /** Shard role: one stub to the room for the object's life, so calls arrive in order. */
  private coordinator: DurableObjectStub<Room> | undefined;
  /** Shard role: an attach in flight; forwards wait for it. */
  private attaching: Promise<AttachAnswer> | undefined;
  /** Shard role: whether any shard has presence watchers; unknown (so: relay) after eviction. */
  private roomWatched: boolean | undefined;
  /** Shard role: whether this object life has looked for sockets on a forward yet. */
  private holdingChecked = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.config = configFor(env);
    this.alarmClock = new AlarmClock(ctx.storage);
    this.ledger = new Ledger(ctx.storage, this.config);
    this.fanout = new Fanout(ctx.storage.sql, env);
    this.shard = new ShardFeed(ctx.storage.sql);
    this.host = new SocketHost(ctx, env, this.config, this.alarmClock, {
      lastSeq: (shard) => (shard === undefined ? this.ledger.lastSeq() : this.shard.fed),
      replay: (since, upTo, s) =>
        s.shard === undefined
          ? this.ledger.replay(since, upTo, s.sub, s.filter, Date.now())
          : this.replayFromRoom(since, upTo, s),
      publish: (req, idempotency, s) =>
        s.shard === undefined ? this.publish([req], idempotency) : this.coordinatorOf(s).publish([req], idempotency),
      relayPresence: (frame, s) => this.relayToRoom(frame, s),
      emptied: (s) => this.emptied(s),
      watchersGone: (s) => this.watchersGone(s),
    });
    // Answered by the runtime without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
    void ctx.blockConcurrencyWhile(() => this.alarmClock.load());
  }

  // ---- Connects (either role) ----

  /** Accepts a WebSocket upgrade forwarded by the Worker (or passed on by another object of the room). */
  override async fetch(request: Request): Promise<Response> {
    const connect = decodeRoomConnect(request.headers.get(IDENTITY_HEADER));
    // The layout is the room's, not the Worker's: a room keeps the shard count it started with.
    const layout = connect.shard === undefined ? this.fanout.count : this.shard.ref?.count;
    if (layout !== undefined && layout !== (connect.shard?.count ?? 1)) return this.passOn(connect, layout);
    const admitted = await this.host.admit(connect.member, connect.shard);
    if (admitted instanceof GatewayError) return errorResponse(admitted);
    try {
      if (connect.shard !== undefined && this.shard.ref === undefined) {
        const answer = await this.attach(connect.member.tenant, connect.member.room, connect.shard);
        if ("count" in answer) return this.passOn(connect, answer.count);
      }
      if (connect.shard !== undefined && connect.member.presence && !this.host.watched)
        await this.coordinatorOf(connect.member).shardWatchers(connect.shard.index, true);
      const { 0: client, 1: server } = new WebSocketPair();
      await this.host.accept(server, connect.member, connect.shard, connect.since);
      const headers = connect.subprotocol ? { "sec-websocket-protocol": SUBPROTOCOL } : undefined;
      return new Response(null, { status: 101, webSocket: client, headers });
    } finally {
      admitted();
    }
  }

  /** Passes an upgrade to the object that holds the user's sockets under the room's layout. */
  private passOn(connect: Connect, count: number): Promise<Response> {
    if (connect.hops >= 2) throw new GatewayError("internal", "the room's layout keeps changing");
    const { tenant, room, sub } = connect.member;
    const shard: ShardRef | undefined = count === 1 ? undefined : { index: shardOf(tenant, sub, count), count };
    return roomStubByName(this.env, hostObjectName(tenant, room, shard)).fetch("https://room/connect", {
      headers: {
        upgrade: "websocket",
        [IDENTITY_HEADER]: encodeRoomConnect({ ...connect, shard, hops: connect.hops + 1 }),
      },
    });
  }

  // ---- The room's role: numbering, history, and what it asks of its shards ----

  /**
   * Numbers, stamps, records and delivers messages in order, with consecutive seqs: nothing
   * interleaves. With a key seen before, answers from its record and delivers nothing. Called over
   * RPC (HTTP publishes, shards) and for client publishes on this object's own sockets.
   */
  async publish(reqs: readonly PublishRequest[], idempotency?: IdempotencyRef): Promise<PublishOutcome> {
    return this.ledger.store.keys.once(idempotency, Date.now(), () => this.publishHere(reqs));
  }

  /** Numbers every message before the first await; a sharded room then waits for its shards. */
  private publishHere(reqs: readonly PublishRequest[]): Promise<PublishResult[]> {
    const now = Date.now();
    this.ctx.waitUntil(this.alarmClock.schedule(now + this.config.historyMaxAgeMs));
    if (this.fanout.count === undefined) {
      const recorded = reqs.map((req) => this.recordHere(req, now));
      const delivered = this.host.deliveries.submit(recorded.map((r) => r.outgoing));
      return Promise.resolve(delivered).then((counts) =>
        recorded.map(({ outgoing, id }, i) => ({ id, seq: outgoing.seq, delivered: counts[i] ?? 0 })),
      );
    }
    const recorded = reqs.map((req) => {
      const audience = req.to === undefined ? undefined : [...(req.to.users ?? [])];
      const { id, seq, frame } = this.ledger.record(req, audience, now);
      const { event, tags, to, exclude } = req;
      return { id, forward: { seq, frame, event, tags, to, exclude } };
    });
    return this.fanout.forward(recorded.map((r) => r.forward)).then((results) =>
      recorded.map(({ id, forward }, i) => {
        const { delivered, users } = results[i] ?? { delivered: 0, users: [] };
        // Who a connection-targeted message reached is known only now.
        if (forward.to?.connections !== undefined) this.ledger.store.widenAudience(forward.seq, users);
        return { id, seq: forward.seq, delivered };
      }),
    );
  }

  /** Unsharded: the sockets are here, so a targeted message's audience is known at once. */
  private recordHere(req: PublishRequest, now: number): { id: string; outgoing: Outgoing } {
    const { event, tags, to, exclude } = req;
    // Targeted messages remember who they were for, so replay and history show them to no one else.
    const audience =
      to === undefined
        ? undefined
        : [...new Set(subsOf(this.host.deliveries.select(to, exclude)).concat(to.users ?? []))];
    const { id, seq, frame } = this.ledger.record(req, audience, now);
    return { id, outgoing: { seq, frame, event, tags, to, exclude } };
  }

  /** History over HTTP: one page as a JSON string, frames exactly as they were sent. */
  async history(query: HistoryQuery, viewer: Viewer, filter?: Filter): Promise<string> {
    return this.ledger.page(query, viewer, filter, Date.now());
  }
  async presence(): Promise<PresenceSnapshot> {
    if (this.fanout.count === undefined) return this.host.presence();
    return mergeSnapshots((await this.fanout.each((shard) => shard.shardPresence())).map((a) => a.value));
  }

  /** Closes the matching sockets with 4003 and tells how many were open. */
  async disconnect(body: DisconnectBody): Promise<number> {
    if (this.fanout.count === undefined) return this.host.disconnect(body);
    const closed = await this.fanout.some(body, (shard) => shard.shardDisconnect(body));
    return closed.reduce((a, b) => a + b, 0);
  }

  /** The operator's view: the room's seq and where its sockets are. */
  async info(): Promise<RoomInfo> {
    const seq = this.ledger.lastSeq();
    if (this.fanout.count === undefined) {
      const connections = this.host.sockets.countOpen();
      return { seq, connections, shards: [{ shard: 0, connections }] };
    }
    const shards = (await this.fanout.each((shard) => shard.shardConnections())).map((a) => ({
      shard: a.index,
      connections: a.value,
    }));
    return { seq, connections: shards.reduce((n, s) => n + s.connections, 0), shards };
  }

  /**
   * A shard took its first socket. It joins the room's layout, or learns the layout it must use
   * (the room keeps the count it started with until no socket is left anywhere).
   */
  async attachShard(tenant: string, room: string, shard: ShardRef): Promise<AttachAnswer> {
    const layout = this.fanout.count ?? (this.host.held > 0 ? 1 : undefined);
    if (layout !== undefined && layout !== shard.count) return { count: layout };
    const fed = this.ledger.lastSeq();
    this.fanout.attach(tenant, room, shard.index, shard.count, fed);
    return { fed, watched: this.fanout.watched };
  }

  /** A shard's last socket left. */
  async detachShard(index: number): Promise<void> {
    this.fanout.detach(index);
    this.scheduleCleanUp();
  }

  async shardWatchers(index: number, has: boolean): Promise<void> {
    if (this.fanout.setWatchers(index, has)) await this.fanout.broadcastWatched();
  }

  /** Presence news from one shard for the others' watchers; answers whether anyone watches. */
  async relayPresence(index: number, frame: string): Promise<boolean> {
    await this.fanout.relay(index, frame);
    return this.fanout.watched;
  }

  async replay(since: number, upTo: number, sub: string, filter: Filter | undefined): Promise<Replay> {
    return this.ledger.replay(since, upTo, sub, filter, Date.now());
  }

  async missed(after: number, before: number): Promise<Page> {
    return this.ledger.missed(after, before, Date.now());
  }

  // ---- The shard's role: what the room asks of it ----

  /**
   * A run of forwarded messages, handed to the sockets after every earlier run (a gap is filled
   * from history first). Only the hand-over is serial: the delivery itself may wait for its turn
   * with the next runs, so a busy shard coalesces them.
   */
  async feed(run: readonly Forward[]): Promise<ForwardResult> {
    const handed = await this.shard.serial(async () => {
      await this.attaching;
      const identity = this.shard.identity;
      // Sockets that vanished without a close (a deploy) leave a shard attached with nothing to
      // feed; that can only be so when the object has just started, so one look per life suffices.
      const vanished = !this.holdingChecked && this.host.held === 0;
      this.holdingChecked = true;
      if (identity === undefined || vanished) {
        this.shard.detach();
        return undefined;
      }
      const outgoing: Outgoing[] = [];
      /** Where each forward sits in `outgoing`; undefined for one delivered before (a retry). */
      const at: (number | undefined)[] = [];
      const users: string[][] = [];
      let fed = this.shard.fed;
      for (const f of run) {
        const step = stepFor(fed, f);
        if (step.kind === "fill") outgoing.push(...(await this.fill(identity, step.after, step.before)));
        const { seq, frame, event, tags, to, exclude } = f;
        // Who a connection-targeted message reaches goes back to the room for its audience.
        users.push(
          step.kind === "duplicate" || to?.connections === undefined
            ? []
            : [...new Set(subsOf(this.host.deliveries.select(to, exclude)))],
        );
        if (step.kind === "duplicate") {
          at.push(undefined);
          continue;
        }
        at.push(outgoing.length);
        outgoing.push({ seq, frame, event, tags, to, exclude });
        fed = seq;
      }
      const delivered = outgoing.length === 0 ? [] : this.host.deliveries.submit(outgoing);
      this.shard.advance(fed);
      return { at, delivered, users };
    });
    if (handed === undefined) return { delivered: run.map(() => 0), users: run.map(() => []), held: false };
    const counts = await handed.delivered;
    const delivered = handed.at.map((i) => (i === undefined ? 0 : (counts[i] ?? 0)));
    return { delivered, users: handed.users, held: true };
  }

  async presenceFrom(frame: string): Promise<void> {
    this.host.announce(frame, undefined);
  }

  async setWatched(watched: boolean): Promise<void> {
    this.roomWatched = watched;
  }

  async shardPresence(): Promise<PresenceSnapshot> {
    return this.host.presence();
  }

  async shardDisconnect(body: DisconnectBody): Promise<number> {
    return this.host.disconnect(body);
  }

  async shardConnections(): Promise<number> {
    return this.host.sockets.countOpen();
  }

  private attach(tenant: string, room: string, shard: ShardRef): Promise<AttachAnswer> {
    this.attaching ??= this.coordinatorOf({ tenant, room })
      .attachShard(tenant, room, shard)
      .then((answer) => {
        if ("fed" in answer) {
          this.shard.attach({ tenant, room }, shard, answer.fed);
          this.roomWatched = answer.watched;
        }
        return answer;
      })
      .finally(() => {
        this.attaching = undefined;
      });
    return this.attaching;
  }

  /** What this shard missed between `after` and `before`, for whoever may still see it. */
  private async fill(room: RoomIdentity, after: number, before: number): Promise<Outgoing[]> {
    const missed: Outgoing[] = [];
    let from: number | undefined = after;
    while (from !== undefined) {
      const page = await this.coordinatorOf(room).missed(from, before);
      for (const m of page.messages)
        missed.push({ seq: m.seq, frame: m.frame, event: m.event, tags: m.tags, stored: { audience: m.audience } });
      from = page.next;
    }
    // Whatever history no longer holds is gone for good: the forward moves the shard past it.
    return missed;
  }

  private relayToRoom(frame: string, s: ConnectionState): void {
    if (s.shard === undefined || this.roomWatched === false) return;
    const index = s.shard.index;
    this.ctx.waitUntil(
      this.coordinatorOf(s)
        .relayPresence(index, frame)
        .then((watched) => {
          this.roomWatched = watched;
        })
        .catch((err: unknown) => log("presence_relay_failed", { shard: index, error: String(err) })),
    );
  }

  /** A native promise (an RPC result is only a thenable), so the host can tell it from a replay at hand. */
  private async replayFromRoom(since: number, upTo: number, s: ConnectionState): Promise<Replay> {
    return await this.coordinatorOf(s).replay(since, upTo, s.sub, s.filter);
  }

  /** Shard role: the stub to this room's object, one for the object's life. */
  private coordinatorOf(s: RoomIdentity): DurableObjectStub<Room> {
    this.coordinator ??= roomStub(this.env, s.tenant, s.room);
    return this.coordinator;
  }

  // ---- Both roles ----

  /** Pushed by the tenant: remember the revocation and close the sockets it matches with 4002. */
  async revoke(r: Revocation): Promise<PushResult> {
    return this.host.revoke(r);
  }

  /** Asked by the tenant's sweep of registrations no connect has renewed for a long time. */
  async holdsSockets(): Promise<boolean> {
    return this.host.heldForTenant() > 0;
  }

  /**
   * Closes sockets whose token has expired and deletes expired history; an object left with
   * neither sockets, shards nor history deletes its storage. Then re-arms for whatever comes next.
   */
  override async alarm(): Promise<void> {
    this.alarmClock.fired();
    const now = Date.now();
    const nextExpiry = this.host.expire(now);
    this.ledger.store.expire(now);
    const historyExpiry = this.ledger.store.nextExpiry();
    if (this.isEmpty() && historyExpiry === undefined) {
      await this.ledger.store.clear();
      return;
    }
    await this.alarmClock.schedule(
      Math.min(nextExpiry ?? Number.POSITIVE_INFINITY, historyExpiry ?? Number.POSITIVE_INFINITY),
    );
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    await this.host.message(ws, message);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.host.depart(ws, code);
    // The hibernation API never answers a peer's close frame by itself.
    closeQuietly(ws, code, reason);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.host.depart(ws, 1006);
  }

  /** This object's last socket left: a shard leaves the room's layout; an empty room cleans up. */
  private emptied(s: ConnectionState): void {
    if (s.shard !== undefined) {
      this.shard.detach();
      const index = s.shard.index;
      this.ctx.waitUntil(
        this.coordinatorOf(s)
          .detachShard(index)
          .catch((err: unknown) => log("shard_detach_failed", { shard: index, error: String(err) })),
      );
      return;
    }
    this.scheduleCleanUp();
  }

  /** Shard role: the last presence watcher here left; the room stops relaying to this shard. */
  private watchersGone(s: ConnectionState): void {
    if (s.shard === undefined) return;
    const index = s.shard.index;
    this.ctx.waitUntil(
      this.coordinatorOf(s)
        .shardWatchers(index, false)
        .catch((err: unknown) => log("shard_watchers_failed", { shard: index, error: String(err) })),
    );
  }

  private isEmpty(): boolean {
    return this.host.held === 0 && this.fanout.count === undefined && this.shard.ref === undefined;
  }

  /** Nothing holds this object any more: unless history remains, the alarm deletes its storage now. */
  private scheduleCleanUp(): void {
    if (this.isEmpty() && this.ledger.store.nextExpiry() === undefined)
      this.ctx.waitUntil(this.alarmClock.schedule(Date.now()));
  }
}

const subsOf = (sockets: readonly WebSocket[]) => sockets.map((ws) => stateOf(ws).sub);
