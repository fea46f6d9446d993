// The sockets of one object: the room itself when it is not sharded, or one of its shards. Admits,
// welcomes and resumes, delivers, announces presence, closes (kick, revocation, expiry), and turns
// client frames into publishes. What differs between a room and a shard (where messages are
// numbered, where history lives) comes in through `HostLinks`.
import type { Config } from "../config.ts";
import type { Env } from "../env.ts";
import { errorFrame, GatewayError } from "../errors.ts";
import { log } from "../log.ts";
import type {
  ClientFrame,
  DisconnectBody,
  Member,
  PresenceSnapshot,
  PublishRequest,
  PublishResult,
  Revocation,
} from "../protocol.ts";
import { matches } from "../tenant/revocations.ts";
import { exceedsBytes } from "../utf8.ts";
import {
  CloseCode,
  encodeAck,
  encodeRefreshed,
  encodeWelcome,
  PONG_FRAME,
  type PublishFrame,
  type Ref,
} from "../wire.ts";
import { Admissions } from "./admissions.ts";
import type { AlarmClock } from "./alarm.ts";
import { FrameBudgets } from "./budgets.ts";
import { parseClientFrame } from "./client-frames.ts";
import { attach, type ConnectionState, stateOf } from "./connection.ts";
import { earliestExpiryMs, isExpired } from "./expiry.ts";
import type { Replay } from "./ledger.ts";
import { presenceFrame, presenceSnapshot } from "./presence.ts";
import { refreshedState } from "./refresh.ts";
import { SocketRegistry } from "./registry.ts";
import { RevocationGate } from "./revocation-gate.ts";
import { newConnectionId, type ShardRef, shardObjectName } from "./shards.ts";
import { closeQuietly, deliver, send } from "./socket-errors.ts";
import { roomObjectName } from "./stub.ts";
import { connectionTag, userTag } from "./tags.ts";
import { type SocketLookup, selectRecipients } from "./targeting.ts";

export type HostLinks = {
  /** The last seq this host's sockets were sent: a new socket's welcome `seq`. */
  lastSeq(shard: ShardRef | undefined): number;
  /** What a member resuming from `since` missed, up to `upTo`. */
  replay(since: number, upTo: number, state: ConnectionState): Replay | Promise<Replay>;
  /** A client's publish, numbered and delivered by the room (in this object, or the coordinator). */
  publish(req: PublishRequest, from: ConnectionState): PublishResult | Promise<PublishResult>;
  /** Presence news for watchers beyond this host (the other shards). */
  relayPresence(frame: string, from: ConnectionState): void;
  /** The host holds no socket and no pending connect any more. */
  emptied(state: ConnectionState): void;
  /** The last presence watcher here left. */
  watchersGone(state: ConnectionState): void;
};

/** Whom a message is for. */
export type Delivery = { to?: PublishRequest["to"]; exclude?: PublishRequest["exclude"] };

/** The name the tenant pushes revocations to for this socket's host. */
const hostObjectName = (s: ConnectionState) =>
  s.shard === undefined ? roomObjectName(s.tenant, s.room) : shardObjectName(s.tenant, s.room, s.shard.index);

export class SocketHost {
  readonly sockets: SocketRegistry;
  private readonly admissions = new Admissions();
  private readonly gate: RevocationGate;
  private readonly budgets: FrameBudgets;
  /** Sockets waiting for their replay: whatever else they are sent meanwhile waits here, in order. */
  private readonly resuming = new Map<WebSocket, string[]>();
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
  }

  /** Sockets the tenant must keep pushing to, and the room must keep feeding: open ones and pending connects. */
  get held(): number {
    return this.sockets.countOpen() + this.admissions.pending;
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
      this.sockets.countOpen(),
      caps,
    );
    if (reserved instanceof GatewayError) return reserved;
    const object =
      shard === undefined
        ? roomObjectName(member.tenant, member.room)
        : shardObjectName(member.tenant, member.room, shard.index);
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
   * and no duplicate either way.
   */
  async accept(ws: WebSocket, member: Member, shard: ShardRef | undefined, since: number | undefined): Promise<void> {
    const state: ConnectionState = { ...member, connectionId: newConnectionId(shard), connectedAt: Date.now(), shard };
    this.sockets.accept(ws, state);
    const scheduled = this.alarm.schedule(state.exp * 1000);
    const seq = this.links.lastSeq(shard);
    const welcome = { connectionId: state.connectionId, room: state.room, user: state.sub, seq };
    const join = presenceFrame("join", state);
    const replay = since === undefined ? undefined : this.links.replay(since, seq, state);
    if (!(replay instanceof Promise)) {
      send(ws, encodeWelcome(replay === undefined ? welcome : { ...welcome, recovered: replay.recovered }));
      for (const frame of replay?.frames ?? []) send(ws, frame);
      this.announce(join, ws, state);
      return scheduled;
    }
    this.resuming.set(ws, []);
    this.announce(join, ws, state);
    try {
      const { recovered, frames } = await replay;
      send(ws, encodeWelcome({ ...welcome, recovered }));
      for (const frame of frames) send(ws, frame);
      for (const frame of this.resuming.get(ws) ?? []) send(ws, frame);
    } catch (err) {
      this.end(ws, CloseCode.internalError, "resume failed");
      throw err;
    } finally {
      this.resuming.delete(ws);
    }
    return scheduled;
  }

  /** The sockets a message is for: everyone, or its targets, less its exclusions. */
  select(to: Delivery["to"], exclude: Delivery["exclude"]): WebSocket[] {
    const lookup: SocketLookup<WebSocket> = (tag) => this.sockets.all(tag);
    return selectRecipients(lookup, to, exclude);
  }

  /** Sends one encoded frame to `recipients`; returns how many were sent it (`delivered`). */
  send(recipients: readonly WebSocket[], frame: string): number {
    if (this.resuming.size === 0) return deliver(recipients, frame);
    let delivered = 0;
    for (const ws of recipients) if (this.sendOrHold(ws, frame)) delivered++;
    return delivered;
  }

  /** Whether any socket here receives presence frames. */
  get watched(): boolean {
    return this.sockets.presenceWatchers(undefined).length > 0;
  }

  /** Sends to sockets whose user may see a stored message (a gap being filled, not a live delivery). */
  deliverStored(frame: string, audience: readonly string[] | undefined): number {
    return this.send(
      audience === undefined ? this.sockets.all() : audience.flatMap((u) => this.sockets.all(userTag(u))),
      frame,
    );
  }

  private sendOrHold(ws: WebSocket, frame: string): boolean {
    if (ws.readyState !== WebSocket.OPEN) return false;
    const held = this.resuming.get(ws);
    if (held === undefined) return send(ws, frame);
    held.push(frame);
    return true;
  }

  /** Presence news to this host's watchers but the socket it is about; relayed beyond when `from` is given. */
  announce(frame: string, except: WebSocket | undefined, from?: ConnectionState): void {
    for (const ws of this.sockets.presenceWatchers(except)) this.sendOrHold(ws, frame);
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
    else await this.clientPublish(ws, frame);
  }

  private async clientPublish(ws: WebSocket, frame: PublishFrame): Promise<void> {
    const state = stateOf(ws);
    const payloadJson = JSON.stringify(frame.payload);
    const max = this.config.maxPayloadBytes;
    if (!state.scopes.includes("publish")) throw new GatewayError("forbidden", 'publishing needs scope "publish"');
    if (exceedsBytes(payloadJson, max)) throw new GatewayError("payload_too_large", `payload exceeds ${max} bytes`);
    const sender = { kind: "user" as const, id: state.sub };
    const { event, to, exclude } = frame;
    const result = await this.links.publish({ room: state.room, sender, event, payloadJson, to, exclude }, state);
    if (frame.ref !== undefined && ws.readyState === WebSocket.OPEN) send(ws, encodeAck({ ref: frame.ref, ...result }));
    log("publish", {
      via: "ws",
      tenant: state.tenant,
      room: state.room,
      sender: `user:${state.sub}`,
      bytes: payloadJson.length,
      delivered: result.delivered,
      seq: result.seq,
    });
  }

  /** Extends a connection's life with a new token for the same tenant and sub. */
  private async refresh(ws: WebSocket, token: string): Promise<void> {
    const state = stateOf(ws);
    const object = hostObjectName(state);
    const next = await refreshedState(
      this.config,
      state,
      token,
      (t) => this.gate.isRevoked(state.tenant, object, t),
      new Date(),
    );
    if (ws.readyState !== WebSocket.OPEN) return;
    attach(ws, next);
    await this.alarm.schedule(next.exp * 1000);
    send(ws, encodeRefreshed(next.exp));
  }

  /** Server-side close: the leave is announced now, not when the peer answers. */
  end(ws: WebSocket, code: number, reason: string): void {
    closeQuietly(ws, code, reason);
    this.depart(ws, code);
  }

  depart(ws: WebSocket, code: number): void {
    const state = this.sockets.departure(ws);
    if (state === undefined) return;
    this.resuming.delete(ws);
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
      void this.gate.unregister(state.tenant, hostObjectName(state));
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
