// The sockets of one object: the room itself when it is not sharded, or one of its shards. Admits,
// welcomes and resumes, delivers, announces presence and closes (kick, revocation, expiry). What
// differs between a room and a shard (where messages are numbered, where history lives) comes in
// through the socket's `Upstream`. A socket's life has three moments, each in one method: `admit`
// (a place reserved, or the refusal), `accept` (it joins) and `depart` (it left, however it went).
import { identityLabel } from "../../auth/principal.ts";
import type { Config } from "../../config.ts";
import type { EffectiveLimits } from "../../control/limits.ts";
import { isOpen, limitsOf, type TenantTerms } from "../../control/terms.ts";
import type { Env } from "../../env.ts";
import type { GatewayError } from "../../errors.ts";
import { canonicalFilterKey, type Filter, filterInForce, specOf } from "../../filter.ts";
import { log } from "../../log.ts";
import type { DisconnectBody, Member, PresenceSnapshot, Revocation } from "../../protocol.ts";
import type { PushResult } from "../../tenant/holders.ts";
import { matches, type TokenRef } from "../../tenant/revocations.ts";
import { CloseCode, type Exclude, encodeFiltered, encodeRefreshed, encodeWelcome, type Target } from "../../wire.ts";
import type { AlarmClock } from "../alarm.ts";
import { BATCH_MAX_BYTES, Deliverer, type Outgoing } from "../delivery/deliverer.ts";
import type { RoomEvents } from "../events/room-events.ts";
import type { RoomMeter } from "../metering.ts";
import { newConnectionId, type ShardRef } from "../sharding/placement.ts";
import type { Upstream } from "../upstream.ts";
import { Admissions } from "./admissions.ts";
import { attach, type ConnectionState, earliestExpiryMs, isExpired, stateOf } from "./attachment.ts";
import type { FrameBudgets } from "./budgets.ts";
import { ConnectionGrant } from "./connection-grant.ts";
import { coordinatorOwner, tenantOwner } from "./grant-owners.ts";
import { presenceFrame, presenceSnapshot } from "./presence.ts";
import { connectionTag, SocketRegistry, userTag } from "./registry.ts";
import { RevocationGate } from "./revocation-gate.ts";
import { closeQuietly, send } from "./send.ts";

export class SocketHost {
  private readonly sockets: SocketRegistry;
  private readonly admissions: Admissions;
  private readonly gate: RevocationGate;
  /** Shared with the client frames' handler, which charges them; forgotten here when a socket departs. */
  private readonly budgets: FrameBudgets;
  private readonly deliveries: Deliverer;
  private readonly alarm: AlarmClock;
  private readonly config: Config;
  private readonly events: RoomEvents;
  private readonly meter: RoomMeter;
  /** The upstream of a shard's sockets, or (undefined) of the room object's own. */
  readonly upstreamOf: (shard: ShardRef | undefined) => Upstream;

  constructor(
    ctx: DurableObjectState,
    env: Env,
    config: Config,
    alarm: AlarmClock,
    budgets: FrameBudgets,
    events: RoomEvents,
    upstreamOf: (shard: ShardRef | undefined) => Upstream,
    meter: RoomMeter,
  ) {
    this.alarm = alarm;
    this.config = config;
    this.events = events;
    this.meter = meter;
    this.budgets = budgets;
    this.upstreamOf = upstreamOf;
    this.sockets = new SocketRegistry(ctx);
    // A fresh list closes what it covers: pushes to this object may all have failed meanwhile.
    this.gate = new RevocationGate(env, (list) => {
      for (const r of list) this.closeRevoked(r);
    });
    this.admissions = new Admissions(config, this.sockets, this.gate, {
      tenant: new ConnectionGrant(tenantOwner(env)),
      room: new ConnectionGrant(coordinatorOwner(env)),
    });
    this.deliveries = new Deliverer(
      this.sockets,
      { maxMessages: config.batchMaxMessages, maxBytes: BATCH_MAX_BYTES },
      (fn) => setTimeout(fn, 0),
      (deliveries, bytes) => {
        meter.count("deliveries", "", deliveries);
        meter.count("bytesDelivered", "", bytes);
      },
    );
  }

  /** Sockets the tenant must keep pushing to, and the room must keep feeding: open ones and pending connects. */
  get held(): number {
    return this.sockets.count() + this.admissions.pending;
  }

  /** Whether any socket here receives presence frames. */
  get watched(): boolean {
    return this.sockets.presenceWatchers(undefined).length > 0;
  }

  /** False for a socket a newer gateway version accepted (after a rollback): it is closed, and never read. */
  readable(ws: WebSocket): boolean {
    return this.sockets.readable(ws);
  }

  connections(): number {
    return this.sockets.countOpen();
  }

  /** Sockets accepted and not departed, without walking them (closing ones count until they depart). */
  get accepted(): number {
    return this.sockets.count();
  }

  /** Whether `member` may open a socket here: its place's release, or the refusal (see Admissions). */
  admit(member: Member, shard: ShardRef | undefined): Promise<GatewayError | (() => void)> {
    return this.admissions.admit(member, shard);
  }

  /** Whether a token (a refresh's) is revoked for a socket held here. */
  isRevoked(state: ConnectionState, token: TokenRef): Promise<boolean> {
    return this.gate.isRevoked(state, state.shard, token);
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
    const upstream = this.upstreamOf(shard);
    // Read before the socket is taken: a room this version cannot read refuses the connect here.
    const recorded = upstream.lastSeq();
    this.sockets.accept(ws, state);
    this.events.arrived(state);
    this.deliveries.joined(ws, state);
    this.meter.count("connects", "", 1);
    if (since !== undefined) this.meter.count("historyReads", "", 1);
    this.meter.socketsChanged();
    const scheduled = this.alarm.schedule(state.exp * 1000);
    const seq = this.deliveries.welcomeSeq(recorded);
    const welcome = { connectionId: state.connectionId, room: state.room, user: state.id, seq };
    const join = presenceFrame("join", state);
    const replay = since === undefined ? undefined : upstream.replay(since, seq, state);
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

  /** Delivers messages in seq order: at once when idle, else with the next turn's others (coalescing). */
  deliver(messages: readonly Outgoing[]): number[] | Promise<number[]> {
    return this.deliveries.submit(messages);
  }

  /** The users of the sockets here that a targeted message reaches (filters aside), for its audience. */
  audienceOf(to: Target | undefined, exclude: Exclude | undefined): string[] {
    return this.deliveries.select(to, exclude).map((ws) => stateOf(ws).id);
  }

  /** Presence news to this host's watchers but the socket it is about; relayed beyond when `from` is given. */
  announce(frame: string, except: WebSocket | undefined, from?: ConnectionState): void {
    for (const ws of this.sockets.presenceWatchers(except)) this.deliveries.sendTo(ws, frame);
    if (from !== undefined) this.upstreamOf(from.shard).relayPresence(frame, from);
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
  revoke(r: Revocation): PushResult {
    this.gate.pushed(r);
    return { closed: this.closeRevoked(r), open: this.heldForTenant() };
  }

  /** Closes the open sockets `r` covers with 4002; how many. */
  private closeRevoked(r: Revocation): number {
    const targets = this.sockets.open().filter((ws) => matches(r, stateOf(ws)));
    for (const ws of targets) this.end(ws, CloseCode.tokenRevoked, "token_revoked");
    return targets.length;
  }

  /** Pushed by the tenant: its new terms; a tenant that may not connect any more loses every socket here (4004). */
  tenantTerms(terms: TenantTerms): PushResult {
    this.gate.pushedTerms(terms);
    const held = this.sockets.open();
    const first = held[0] === undefined ? undefined : stateOf(held[0]);
    if (first !== undefined && isOpen(this.gate.terms)) this.admissions.termsChanged(first, first.shard);
    const targets = isOpen(this.gate.terms) ? [] : held;
    for (const ws of targets) this.end(ws, CloseCode.tenantSuspended, "tenant_suspended");
    return { closed: targets.length, open: this.heldForTenant() };
  }

  /** The tenant's terms as last learned from the tenant. */
  get terms(): TenantTerms {
    return this.gate.terms;
  }

  /** The tenant's limits in force here, as last learned from the tenant. */
  limits(): EffectiveLimits {
    return limitsOf(this.gate.terms, this.config);
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

  /**
   * Replaces the socket's own filter; the attachment keeps it through hibernation. The answer states
   * the filter in force: the new one narrowed by the token's claim.
   */
  refilter(ws: WebSocket, filter: Filter | undefined): void {
    const next = { ...stateOf(ws), filter };
    attach(ws, next);
    this.deliveries.refiltered(ws, next);
    send(ws, encodeFiltered(specOf(filterInForce(next))));
  }

  /**
   * A refresh's new state, checked; a filter frame may have changed the filter meanwhile: the newer
   * one stays. A token with other `info` tells the watchers (`update`).
   */
  async refreshed(ws: WebSocket, next: ConnectionState): Promise<void> {
    if (ws.readyState !== WebSocket.OPEN) return;
    const before = stateOf(ws);
    const state = { ...next, filter: before.filter };
    attach(ws, state);
    if (state.info !== before.info) this.announce(presenceFrame("update", state), ws, state);
    // A new token may bound the socket differently: deliveries follow its claim from now on.
    if (canonicalFilterKey(state.enforced) !== canonicalFilterKey(before.enforced))
      this.deliveries.refiltered(ws, state);
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

  /** A socket left (closed by either side, or failed): reported once, however many times the runtime reports it. */
  depart(ws: WebSocket, code: number): void {
    const state = this.sockets.departure(ws);
    if (state === undefined) return;
    this.deliveries.left(ws);
    this.budgets.forget(state.connectionId);
    this.admissions.departed(state, state.shard);
    this.meter.count("disconnects", String(code), 1);
    this.meter.socketsChanged();
    log("disconnect", {
      tenant: state.tenant,
      room: state.room,
      sender: identityLabel(state),
      connectionId: state.connectionId,
      code,
      durationMs: Date.now() - state.connectedAt,
    });
    this.announce(presenceFrame("leave", state), ws, state);
    this.events.departed(state, (user) => this.sockets.holds(user === undefined ? undefined : userTag(user)));
    const upstream = this.upstreamOf(state.shard);
    if (state.presence && !this.watched) upstream.watchersGone(state);
    // Counted, not walked: a blip reports every socket's departure at once, and a walk of the
    // sockets at each would cost the room the square of its size (and each would unregister).
    if (this.held === 0) {
      void this.gate.unregister(state, state.shard);
      upstream.emptied(state);
    }
  }
}
