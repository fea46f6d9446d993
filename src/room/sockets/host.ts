// The sockets of one object: the room itself when it is not sharded, or one of its shards. Admits,
// welcomes and resumes, delivers, announces presence, closes (kick, revocation, expiry), and turns
// client frames into publishes. What differs between a room and a shard (where messages are
// numbered, where history lives) comes in through `HostLinks`.
import type { Config } from "../../config.ts";
import type { Env } from "../../env.ts";
import { errorFrame, GatewayError } from "../../errors.ts";
import { type Filter, filterOf, specOf } from "../../filter.ts";
import { log } from "../../log.ts";
import { payloadJsonOf } from "../../payload.ts";
import type {
  ClientFrame,
  DisconnectBody,
  IdempotencyRef,
  Member,
  PresenceSnapshot,
  PublishOutcome,
  PublishRequest,
  Revocation,
} from "../../protocol.ts";
import { matches } from "../../tenant/revocations.ts";
import {
  CloseCode,
  encodeAck,
  encodeFiltered,
  encodeRefreshed,
  encodeWelcome,
  PONG_FRAME,
  type PublishFrame,
  type Ref,
} from "../../wire.ts";
import type { AlarmClock } from "../alarm.ts";
import { Deliverer } from "../delivery/deliverer.ts";
import { idempotencyRefOf } from "../ledger/idempotency.ts";
import type { Replay } from "../ledger/ledger.ts";
import { hostObjectName, newConnectionId, type ShardRef } from "../sharding/placement.ts";
import { Admissions } from "./admissions.ts";
import { attach, type ConnectionState, earliestExpiryMs, isExpired, stateOf } from "./attachment.ts";
import { FrameBudgets } from "./budgets.ts";
import { parseClientFrame } from "./frame-parser.ts";
import { presenceFrame, presenceSnapshot } from "./presence.ts";
import { refreshedState } from "./refresh.ts";
import { connectionTag, SocketRegistry, userTag } from "./registry.ts";
import { RevocationGate } from "./revocation-gate.ts";
import { closeQuietly, send } from "./send.ts";

export type HostLinks = {
  /** The last seq this host's sockets were sent: a new socket's welcome `seq`. */
  lastSeq(shard: ShardRef | undefined): number;
  /** What a member resuming from `since` missed, up to `upTo`. */
  replay(since: number, upTo: number, state: ConnectionState): Replay | Promise<Replay>;
  /** A client's publish, numbered and delivered by the room (in this object, or the coordinator). */
  publish(req: PublishRequest, idempotency: IdempotencyRef | undefined, from: ConnectionState): Promise<PublishOutcome>;
  /** Presence news for watchers beyond this host (the other shards). */
  relayPresence(frame: string, from: ConnectionState): void;
  /** The host holds no socket and no pending connect any more. */
  emptied(state: ConnectionState): void;
  /** The last presence watcher here left. */
  watchersGone(state: ConnectionState): void;
};

/**
 * A batch frame stays within what workerd itself accepts as one incoming frame (about 1 MiB), so
 * any peer, another Worker included, can read it; one larger message still goes, alone.
 */
const BATCH_MAX_BYTES = 1_048_576;

export class SocketHost {
  readonly sockets: SocketRegistry;
  private readonly admissions = new Admissions();
  private readonly gate: RevocationGate;
  private readonly budgets: FrameBudgets;
  readonly deliveries: Deliverer;
  private readonly config: Config;
  private readonly alarm: AlarmClock;
  private readonly links: HostLinks;

  constructor(ctx: DurableObjectState, env: Env, config: Config, alarm: AlarmClock, links: HostLinks) {
    this.config = config;
    this.alarm = alarm;
    this.links = links;
    this.sockets = new SocketRegistry(ctx);
    this.gate = new RevocationGate(env);
    this.budgets = new FrameBudgets(config);
    this.deliveries = new Deliverer(
      this.sockets,
      { maxMessages: config.batchMaxMessages, maxBytes: BATCH_MAX_BYTES },
      (fn) => setTimeout(fn, 0),
    );
  }

  /** Sockets the tenant must keep pushing to, and the room must keep feeding: open ones and pending connects. */
  get held(): number {
    return this.sockets.count() + this.admissions.pending;
  }

  /**
   * Caps (a shard takes its even share of the room's), then revocations. The caps are checked and
   * a place reserved before the one await (the tenant, when the cached list's lease has run out),
   * so concurrent connects cannot overshoot. Returns the place's release, or the refusal.
   */
  async admit(member: Member, shard: ShardRef | undefined): Promise<GatewayError | (() => void)> {
    const caps = {
      perUser: this.config.maxConnectionsPerUser,
      perRoom: Math.ceil(this.config.maxConnectionsPerRoom / (shard?.count ?? 1)),
    };
    const reserved = this.admissions.reserve(
      member.sub,
      this.sockets.countOpen(userTag(member.sub)),
      this.sockets.count(),
      caps,
    );
    if (reserved instanceof GatewayError) return reserved;
    // The name the tenant pushes revocations to.
    const object = hostObjectName(member.tenant, member.room, shard);
    try {
      if (await this.gate.isRevoked(member.tenant, object, member)) {
        reserved();
        return new GatewayError("token_revoked", "token has been revoked");
      }
    } catch (err) {
      reserved();
      throw err;
    }
    return reserved;
  }

  /**
   * Accepts an admitted socket and welcomes it. Without a resume, or with a replay read here, the
   * welcome, the replay and the join go out with no await in between. A replay fetched from the
   * coordinator makes everything else for the socket wait until it is sent, so the seam has no gap
   * and no duplicate either way. Messages still waiting for their turn (coalescing) follow the
   * welcome: its seq is the last message already sent.
   */
  async accept(ws: WebSocket, member: Member, shard: ShardRef | undefined, since: number | undefined): Promise<void> {
    const state: ConnectionState = { ...member, connectionId: newConnectionId(shard), connectedAt: Date.now(), shard };
    this.sockets.accept(ws, state);
    this.deliveries.joined(ws, state);
    const scheduled = this.alarm.schedule(state.exp * 1000);
    const seq = this.deliveries.welcomeSeq(this.links.lastSeq(shard));
    const welcome = { connectionId: state.connectionId, room: state.room, user: state.sub, seq };
    const join = presenceFrame("join", state);
    const replay = since === undefined ? undefined : this.links.replay(since, seq, state);
    if (!(replay instanceof Promise)) {
      send(ws, encodeWelcome(replay === undefined ? welcome : { ...welcome, recovered: replay.recovered }));
      for (const frame of this.deliveries.replayFrames(ws, replay?.frames ?? [])) send(ws, frame);
      this.announce(join, ws, state);
      return scheduled;
    }
    this.deliveries.hold(ws);
    this.announce(join, ws, state);
    try {
      const { recovered, frames } = await replay;
      send(ws, encodeWelcome({ ...welcome, recovered }));
      for (const frame of this.deliveries.replayFrames(ws, frames)) send(ws, frame);
    } catch (err) {
      this.end(ws, CloseCode.internalError, "resume failed");
      throw err;
    } finally {
      for (const frame of this.deliveries.release(ws)) send(ws, frame);
    }
    return scheduled;
  }

  /** Whether any socket here receives presence frames. */
  get watched(): boolean {
    return this.sockets.presenceWatchers(undefined).length > 0;
  }

  /** Presence news to this host's watchers but the socket it is about; relayed beyond when `from` is given. */
  announce(frame: string, except: WebSocket | undefined, from?: ConnectionState): void {
    for (const ws of this.sockets.presenceWatchers(except)) this.deliveries.sendTo(ws, frame);
    if (from !== undefined) this.links.relayPresence(frame, from);
  }

  presence(): PresenceSnapshot {
    return presenceSnapshot(this.sockets.open().map(stateOf));
  }

  /** Closes the matching sockets with 4003 and tells how many were open. */
  disconnect(body: DisconnectBody): number {
    const targets = new Set<WebSocket>();
    for (const u of body.users ?? []) for (const ws of this.sockets.open(userTag(u))) targets.add(ws);
    for (const c of body.connections ?? []) for (const ws of this.sockets.open(connectionTag(c))) targets.add(ws);
    for (const ws of targets) this.end(ws, CloseCode.disconnected, "disconnected");
    return targets.size;
  }

  /** Pushed by the tenant: remember the revocation and close the sockets it matches with 4002. */
  revoke(r: Revocation): { closed: number; open: number } {
    this.gate.pushed(r);
    const targets = this.sockets.open().filter((ws) => matches(r, stateOf(ws)));
    for (const ws of targets) this.end(ws, CloseCode.tokenRevoked, "token_revoked");
    return { closed: targets.length, open: this.heldForTenant() };
  }

  /** At zero the tenant forgets this object, so the next connect must register again. */
  heldForTenant(): number {
    const held = this.held;
    if (held === 0) this.gate.released();
    return held;
  }

  /** Closes sockets whose token has expired; returns when the next one expires. */
  expire(now: number): number | undefined {
    for (const ws of this.sockets.open())
      if (isExpired(stateOf(ws), now)) this.end(ws, CloseCode.tokenExpired, "token_expired");
    return earliestExpiryMs(this.sockets.open().map(stateOf));
  }

  async message(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    // Frames a client sent before we closed it (abuse, kick) still arrive: never act on them.
    if (ws.readyState !== WebSocket.OPEN) return;
    const parsed = parseClientFrame(message, this.config.maxPayloadBytes);
    if (!parsed.ok) return this.reject(ws, parsed.error, parsed.ref);
    const frame = parsed.frame;
    const ref = frame.type === "publish" ? frame.ref : undefined;
    const refusal = this.budgets.refusal(stateOf(ws), frame, Date.now());
    if (refusal !== undefined) return this.reject(ws, refusal, ref);
    try {
      await this.handle(ws, frame);
    } catch (err) {
      if (err instanceof GatewayError) return this.reject(ws, err, ref);
      // Our failure, not the client's (the tenant or the coordinator unreachable): no strike.
      log("internal_error", { via: "ws", frame: frame.type, error: String(err) });
      if (ws.readyState === WebSocket.OPEN) send(ws, errorFrame(new GatewayError("internal", "internal error"), ref));
    }
  }

  private async handle(ws: WebSocket, frame: ClientFrame): Promise<void> {
    if (frame.type === "ping") send(ws, PONG_FRAME);
    else if (frame.type === "refresh") await this.refresh(ws, frame.token);
    else if (frame.type === "filter") this.refilter(ws, filterOf(frame));
    else await this.clientPublish(ws, frame);
  }

  /** Replaces the socket's filter; the attachment keeps it through hibernation. */
  private refilter(ws: WebSocket, filter: Filter | undefined): void {
    const next = { ...stateOf(ws), filter };
    attach(ws, next);
    this.deliveries.refiltered(ws, next);
    send(ws, encodeFiltered(specOf(filter)));
  }

  private async clientPublish(ws: WebSocket, frame: PublishFrame): Promise<void> {
    const state = stateOf(ws);
    if (!state.scopes.includes("publish")) throw new GatewayError("forbidden", 'publishing needs scope "publish"');
    const payloadJson = payloadJsonOf(frame.payload, this.config.maxPayloadBytes);
    const sender = { kind: "user" as const, id: state.sub };
    const { event, tags, to, exclude, key } = frame;
    const req: PublishRequest = { room: state.room, sender, event, tags, payloadJson, to, exclude };
    // Synchronous, so the publish leaves this socket in the order its frames came.
    const outcome = await this.links.publish(req, idempotencyRefOf(sender, key, [req]), state);
    if (outcome.status === "key_reused")
      throw new GatewayError("idempotency_key_reused", "key was used for another publish");
    // One message published, or the record of one: its fingerprint names exactly one.
    const [result] = outcome.results;
    if (result === undefined) throw new Error("a publish of one message has no result");
    if (frame.ref !== undefined && ws.readyState === WebSocket.OPEN) send(ws, encodeAck({ ref: frame.ref, ...result }));
    log("publish", {
      via: "ws",
      tenant: state.tenant,
      room: state.room,
      sender: `user:${state.sub}`,
      bytes: payloadJson.length,
      delivered: result.delivered,
      seq: result.seq,
      replayed: outcome.status === "replayed" || undefined,
    });
  }

  /** Extends a connection's life with a new token for the same tenant and sub. */
  private async refresh(ws: WebSocket, token: string): Promise<void> {
    const state = stateOf(ws);
    const object = hostObjectName(state.tenant, state.room, state.shard);
    const next = await refreshedState(
      this.config,
      state,
      token,
      (t) => this.gate.isRevoked(state.tenant, object, t),
      new Date(),
    );
    if (ws.readyState !== WebSocket.OPEN) return;
    // A filter frame may have changed the filter while the token was checked: keep the newer one.
    attach(ws, { ...next, filter: stateOf(ws).filter });
    await this.alarm.schedule(next.exp * 1000);
    send(ws, encodeRefreshed(next.exp));
  }

  /**
   * Server-side close: the leave is announced now, not when the peer answers. Messages already
   * accepted and waiting for their turn go out first, so the socket gets what was due before it.
   */
  end(ws: WebSocket, code: number, reason: string): void {
    this.deliveries.flush();
    closeQuietly(ws, code, reason);
    this.depart(ws, code);
  }

  depart(ws: WebSocket, code: number): void {
    const state = this.sockets.departure(ws);
    if (state === undefined) return;
    this.deliveries.left(ws);
    this.budgets.forget(state.connectionId);
    log("disconnect", {
      tenant: state.tenant,
      room: state.room,
      sender: `user:${state.sub}`,
      connectionId: state.connectionId,
      code,
      durationMs: Date.now() - state.connectedAt,
    });
    this.announce(presenceFrame("leave", state), ws, state);
    if (state.presence && !this.watched) this.links.watchersGone(state);
    if (this.admissions.pending === 0 && this.sockets.isEmptyBut(ws)) {
      void this.gate.unregister(state.tenant, hostObjectName(state.tenant, state.room, state.shard));
      this.links.emptied(state);
    }
  }

  /** Sends an error frame and counts a strike; repeated abuse closes the socket with 1008. */
  reject(ws: WebSocket, error: GatewayError, ref?: Ref): void {
    send(ws, errorFrame(error, ref));
    const state = stateOf(ws);
    log("rejected", {
      via: "ws",
      tenant: state.tenant,
      room: state.room,
      sender: `user:${state.sub}`,
      code: error.code,
    });
    if (this.budgets.struckOut(state.connectionId, Date.now()))
      this.end(ws, CloseCode.policyViolation, "too many invalid frames");
  }
}
