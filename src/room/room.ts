// One Durable Object per tenant+room: holds the sockets (hibernation API), numbers, records and
// delivers. Handlers stay short; decisions live in the pure helpers beside this file.
import { DurableObject } from "cloudflare:workers";
import { type Config, configFor } from "../config.ts";
import type { Env } from "../env.ts";
import { errorFrame, errorResponse, GatewayError } from "../errors.ts";
import { Buckets, ruleFor } from "../limits/token-bucket.ts";
import { log } from "../log.ts";
import {
  type AckFrame,
  type ClientFrame,
  CloseCode,
  type ConnectIdentity,
  type DisconnectBody,
  decodeIdentity,
  type HistoryQuery,
  IDENTITY_HEADER,
  PING_FRAME,
  PONG_FRAME,
  type PresenceSnapshot,
  type PublishRequest,
  type PublishResult,
  type Ref,
  type RefreshedFrame,
  type Revocation,
  SUBPROTOCOL,
} from "../protocol.ts";
import { isRevoked, matches } from "../tenant/revocations.ts";
import { tenantStub } from "../tenant/tenant.ts";
import { exceedsBytes } from "../utf8.ts";
import { parseClientFrame } from "./client-frames.ts";
import { attach, type ConnectionState, stateOf } from "./connection.ts";
import { encodeMessageFrame, encodeWelcome } from "./envelope.ts";
import { earliestExpiryMs, isExpired } from "./expiry.ts";
import { canRecover, encodeHistoryPage, visibleTo } from "./history.ts";
import { encodePresence, presenceSnapshot } from "./presence.ts";
import { refreshedState } from "./refresh.ts";
import { replyCode, SocketRegistry } from "./registry.ts";
import { RoomStore } from "./room-store.ts";
import { closeQuietly, deliver } from "./sockets.ts";
import { connectionTag, userTag } from "./tags.ts";
import { selectRecipients } from "./targeting.ts";

const ABUSE_WINDOW_MS = 10_000;
const DEFAULT_HISTORY_LIMIT = 100;
type PublishFrame = Extract<ClientFrame, { type: "publish" }>;

export class Room extends DurableObject<Env> {
  private readonly store: RoomStore;
  private readonly config: Config;
  private readonly sockets: SocketRegistry;
  // Per-connection buckets live in memory: the object only hibernates after seconds of silence,
  // by which time a bucket would have refilled anyway.
  private readonly publishBuckets: Buckets;
  private readonly abuseBuckets: Buckets;
  /** The tenant's revocations while this room is registered for pushes; undefined when not. */
  private revocations: Revocation[] | undefined;
  /** The pending expiry alarm (epoch ms), mirrored in memory so concurrent connects decide in order. */
  private alarmAt: number | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.config = configFor(env);
    this.store = new RoomStore(ctx.storage.sql, {
      maxMessages: this.config.historyMaxMessages,
      maxAgeMs: this.config.historyMaxAgeMs,
    });
    this.sockets = new SocketRegistry(ctx);
    this.publishBuckets = new Buckets(ruleFor(this.config.clientPublishBurst, this.config.clientPublishWindowMs));
    this.abuseBuckets = new Buckets(ruleFor(this.config.abuseStrikes, ABUSE_WINDOW_MS));
    // Answered by the runtime without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
    void ctx.blockConcurrencyWhile(async () => {
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  /** Accepts a WebSocket upgrade forwarded by the Worker with a verified identity. */
  override async fetch(request: Request): Promise<Response> {
    const identity = decodeIdentity(request.headers.get(IDENTITY_HEADER));
    const refusal = await this.admission(identity);
    if (refusal !== undefined) return errorResponse(refusal);
    const { 0: client, 1: server } = new WebSocketPair();
    const state: ConnectionState = {
      connectionId: crypto.randomUUID(),
      room: identity.room,
      tenant: identity.tenant,
      sub: identity.sub,
      scopes: identity.scopes,
      exp: identity.exp,
      presence: identity.presence,
      jti: identity.jti,
      iat: identity.iat,
      connectedAt: Date.now(),
    };
    this.sockets.accept(server, state);
    // Welcome, replay and the join happen with no await in between, so no publish can slip into
    // the seam: the client sees every message after `since` exactly once.
    this.welcome(server, state, identity.since);
    this.sockets.announce(encodePresence("join", state), server);
    await this.scheduleExpiry(state.exp * 1000);
    const headers = identity.subprotocol ? { "sec-websocket-protocol": SUBPROTOCOL } : undefined;
    return new Response(null, { status: 101, webSocket: client, headers });
  }

  /** Revocations and caps, checked before a socket is accepted. */
  private async admission(identity: ConnectIdentity): Promise<GatewayError | undefined> {
    const revocations = await this.revocationList(identity.tenant, identity.room);
    if (isRevoked(revocations, identity, Math.floor(Date.now() / 1000)))
      return new GatewayError("token_revoked", "token has been revoked");
    const { maxConnectionsPerUser: perUser, maxConnectionsPerRoom: perRoom } = this.config;
    if (this.sockets.countOpen(userTag(identity.sub)) >= perUser)
      return new GatewayError("too_many_connections", `at most ${perUser} connections per user`);
    if (this.sockets.countOpen() >= perRoom)
      return new GatewayError("too_many_connections", `at most ${perRoom} connections per room`);
    return undefined;
  }

  private welcome(ws: WebSocket, state: ConnectionState, since: number | undefined): void {
    const seq = this.store.lastSeq();
    const base = { connectionId: state.connectionId, room: state.room, user: state.sub, seq };
    if (since === undefined) {
      ws.send(encodeWelcome(base));
      return;
    }
    const now = Date.now();
    const recovered = canRecover(since, seq, this.store.oldestSeq(now));
    ws.send(encodeWelcome({ ...base, recovered }));
    if (!recovered) return;
    for (const m of this.store.since(since, now, this.config.historyMaxMessages)) {
      if (visibleTo(m, state.sub)) ws.send(m.frame);
    }
  }

  /** Numbers, stamps, records and delivers one message. Called over RPC and for client publishes. */
  async publish(req: PublishRequest): Promise<PublishResult> {
    return this.deliverMessage(req);
  }

  private deliverMessage(req: PublishRequest): PublishResult {
    const seq = this.store.nextSeq();
    const id = crypto.randomUUID();
    const ts = Date.now();
    const frame = encodeMessageFrame(
      { id, seq, room: req.room, event: req.event, sender: req.sender, ts },
      req.payloadJson,
    );
    const recipients = selectRecipients((tag) => this.sockets.all(tag), req.to, req.exclude);
    // Targeted messages remember who they were for, so replay and history show them to no one else.
    const audience =
      req.to === undefined
        ? undefined
        : [...new Set(recipients.map((ws) => stateOf(ws).sub).concat(req.to.users ?? []))];
    this.store.append(seq, ts, frame, audience);
    return { id, seq, delivered: deliver(recipients, frame) };
  }

  /** History over HTTP: the JSON page as a string, frames exactly as they were sent. */
  async history(query: HistoryQuery, viewer: string | undefined): Promise<string> {
    const limit = query.limit ?? DEFAULT_HISTORY_LIMIT;
    const frames: string[] = [];
    let since = query.since ?? 0;
    // A viewer may not see every stored message, so keep reading until the page is full.
    while (frames.length < limit) {
      const batch = this.store.since(since, Date.now(), limit);
      for (const m of batch) if (visibleTo(m, viewer) && frames.length < limit) frames.push(m.frame);
      const last = batch.at(-1);
      if (last === undefined || batch.length < limit) break;
      since = last.seq;
    }
    return encodeHistoryPage(frames, this.store.lastSeq());
  }

  async presence(): Promise<PresenceSnapshot> {
    return presenceSnapshot(this.sockets.open().map(stateOf));
  }

  /** Closes the matching sockets with 4003 and tells how many were open. */
  async disconnect(body: DisconnectBody): Promise<number> {
    const targets = new Set<WebSocket>();
    for (const u of body.users ?? []) for (const ws of this.sockets.open(userTag(u))) targets.add(ws);
    for (const c of body.connections ?? []) for (const ws of this.sockets.open(connectionTag(c))) targets.add(ws);
    for (const ws of targets) this.end(ws, CloseCode.disconnected, "disconnected");
    return targets.size;
  }

  /** Pushed by the tenant: remember the revocation and close the sockets it matches with 4002. */
  async revoke(r: Revocation): Promise<number> {
    this.revocations?.push(r);
    const targets = this.sockets.open().filter((ws) => matches(r, stateOf(ws)));
    for (const ws of targets) this.end(ws, CloseCode.tokenRevoked, "token_revoked");
    return targets.length;
  }

  /** Closes sockets whose token has expired, then re-arms for the next expiry. */
  override async alarm(): Promise<void> {
    this.alarmAt = null;
    const now = Date.now();
    for (const ws of this.sockets.open()) {
      if (isExpired(stateOf(ws), now)) this.end(ws, CloseCode.tokenExpired, "token_expired");
    }
    const next = earliestExpiryMs(this.sockets.open().map(stateOf));
    if (next !== undefined) await this.scheduleExpiry(next);
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    // Frames a client sent before we closed it (abuse, kick) still arrive: never act on them.
    if (ws.readyState !== WebSocket.OPEN) return;
    const parsed = parseClientFrame(message, this.config.maxPayloadBytes);
    if (!parsed.ok) return this.reject(ws, parsed.error, parsed.ref);
    const frame = parsed.frame;
    if (frame.type === "ping") ws.send(PONG_FRAME);
    else if (frame.type === "refresh") await this.refresh(ws, frame.token);
    else this.clientPublish(ws, frame);
  }

  private clientPublish(ws: WebSocket, frame: PublishFrame): void {
    const state = stateOf(ws);
    const payloadJson = JSON.stringify(frame.payload);
    const refusal = this.publishRefusal(state, payloadJson);
    if (refusal !== undefined) {
      this.reject(ws, refusal, frame.ref);
      return;
    }
    const sender = { kind: "user" as const, id: state.sub };
    const { event, to, exclude } = frame;
    const result = this.deliverMessage({ room: state.room, sender, event, payloadJson, to, exclude });
    if (frame.ref !== undefined) {
      const ack: AckFrame = { type: "ack", ref: frame.ref, ...result };
      ws.send(JSON.stringify(ack));
    }
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

  /** Why a client's publish is refused: scope, its connection's rate, or size. */
  private publishRefusal(state: ConnectionState, payloadJson: string): GatewayError | undefined {
    const max = this.config.maxPayloadBytes;
    if (!state.scopes.includes("publish")) return new GatewayError("forbidden", 'publishing needs scope "publish"');
    if (!this.publishBuckets.allow(state.connectionId, Date.now()))
      return new GatewayError("rate_limited", "publish rate exceeded");
    if (exceedsBytes(payloadJson, max)) return new GatewayError("payload_too_large", `payload exceeds ${max} bytes`);
    return undefined;
  }

  /** Extends a connection's life with a new token for the same tenant and sub. */
  private async refresh(ws: WebSocket, token: string): Promise<void> {
    const state = stateOf(ws);
    let next: ConnectionState;
    try {
      next = await refreshedState(this.config, state, token, () => this.revocationList(state.tenant, state.room));
    } catch (err) {
      if (err instanceof GatewayError) return this.reject(ws, err);
      throw err;
    }
    if (ws.readyState !== WebSocket.OPEN) return;
    attach(ws, next);
    await this.scheduleExpiry(next.exp * 1000);
    const frame: RefreshedFrame = { type: "refreshed", exp: next.exp };
    ws.send(JSON.stringify(frame));
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.depart(ws, code);
    // The hibernation API never answers a peer's close frame by itself.
    closeQuietly(ws, replyCode(code), reason);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.depart(ws, 1006);
  }

  /** Server-side close: the leave is announced now, not when the peer answers. */
  private end(ws: WebSocket, code: number, reason: string): void {
    closeQuietly(ws, code, reason);
    this.depart(ws, code);
  }

  private depart(ws: WebSocket, code: number): void {
    const state = this.sockets.departure(ws);
    if (state === undefined) return;
    this.publishBuckets.delete(state.connectionId);
    this.abuseBuckets.delete(state.connectionId);
    log("disconnect", {
      tenant: state.tenant,
      room: state.room,
      sender: `user:${state.sub}`,
      connectionId: state.connectionId,
      code,
      durationMs: Date.now() - state.connectedAt,
    });
    this.sockets.announce(encodePresence("leave", state), ws);
    // An empty room needs no revocation pushes; the next connect registers it again.
    if (this.revocations !== undefined && this.sockets.isEmptyBut(ws)) {
      this.revocations = undefined;
      this.ctx.waitUntil(tenantStub(this.env, state.tenant).unregister(state.room));
    }
  }

  /** Registers with the tenant on first use in this object's life, so revocations are pushed here. */
  private async revocationList(tenant: string, room: string): Promise<Revocation[]> {
    this.revocations ??= await tenantStub(this.env, tenant).register(room);
    return this.revocations;
  }

  /** One alarm per object, always at the earliest expiry; decided before any await. */
  private async scheduleExpiry(atMs: number): Promise<void> {
    if (this.alarmAt !== null && this.alarmAt <= atMs) return;
    this.alarmAt = atMs;
    await this.ctx.storage.setAlarm(atMs);
  }

  /** Sends an error frame and counts a strike; repeated abuse closes the socket with 1008. */
  private reject(ws: WebSocket, error: GatewayError, ref?: Ref): void {
    ws.send(errorFrame(error, ref));
    const state = stateOf(ws);
    log("rejected", {
      via: "ws",
      tenant: state.tenant,
      room: state.room,
      sender: `user:${state.sub}`,
      code: error.code,
    });
    if (!this.abuseBuckets.allow(state.connectionId, Date.now()))
      this.end(ws, CloseCode.policyViolation, "too many invalid frames");
  }
}
