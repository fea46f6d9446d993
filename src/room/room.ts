// One Durable Object per tenant+room: holds the sockets (hibernation API), numbers, records and
// delivers. Handlers stay short; decisions live in the pure helpers beside this file.
import { DurableObject } from "cloudflare:workers";
import { type Config, configFor } from "../config.ts";
import type { Env } from "../env.ts";
import { errorFrame, errorResponse, GatewayError } from "../errors.ts";
import type { Filter } from "../filter.ts";
import { Buckets, ruleFor } from "../limits/token-bucket.ts";
import { log } from "../log.ts";
import {
  type ClientFrame,
  type DisconnectBody,
  decodeRoomConnect,
  type HistoryQuery,
  IDENTITY_HEADER,
  type IdempotencyRef,
  type Member,
  type PresenceSnapshot,
  type PublishOutcome,
  type PublishRequest,
  type PublishResult,
  type Revocation,
} from "../protocol.ts";
import type { PushResult } from "../tenant/push.ts";
import { matches, type TokenRef } from "../tenant/revocations.ts";
import { type Registration, tenantStub } from "../tenant/tenant.ts";
import { exceedsBytes } from "../utf8.ts";
import {
  CloseCode,
  encodeAck,
  encodeHistoryPage,
  encodeMessageFrame,
  encodeRefreshed,
  encodeWelcome,
  PING_FRAME,
  PONG_FRAME,
  type PublishFrame,
  type Ref,
  SUBPROTOCOL,
} from "../wire.ts";
import { Admissions } from "./admissions.ts";
import { parseClientFrame } from "./client-frames.ts";
import { attach, type ConnectionState, stateOf } from "./connection.ts";
import { earliestExpiryMs, isExpired } from "./expiry.ts";
import { canRecover, readableBy, replayOf, takePage, type Viewer } from "./history.ts";
import { keyOwner, requestFingerprint } from "./idempotency.ts";
import { presenceFrame, presenceSnapshot } from "./presence.ts";
import { refreshedState } from "./refresh.ts";
import { SocketRegistry } from "./registry.ts";
import { RevocationCache } from "./revocation-cache.ts";
import { RoomStore } from "./room-store.ts";
import { closeQuietly, deliver, send } from "./socket-errors.ts";
import { roomObjectName } from "./stub.ts";
import { connectionTag, userTag } from "./tags.ts";
import { selectRecipients } from "./targeting.ts";

const ABUSE_WINDOW_MS = 10_000;
/** Each refresh is a signature check: a connection gets a few a minute, far more than expiry needs. */
const REFRESH_BURST = 6;
const REFRESH_WINDOW_MS = 60_000;
const DEFAULT_HISTORY_LIMIT = 100;

export class Room extends DurableObject<Env> {
  private readonly store: RoomStore;
  private readonly config: Config;
  private readonly sockets: SocketRegistry;
  private readonly admissions: Admissions;
  private readonly revocations = new RevocationCache();
  // Buckets live in memory: the object only hibernates after seconds of silence, by which time a
  // bucket would have refilled anyway. Per-user buckets outlive their sockets, so a reconnect
  // does not refill them.
  private readonly frameBuckets: Buckets;
  private readonly userPublishBuckets: Buckets;
  private readonly refreshBuckets: Buckets;
  private readonly abuseBuckets: Buckets;
  /** One stub for the object's life: calls through one stub arrive in order (unregister, then register). */
  private tenant: ReturnType<typeof tenantStub> | undefined;
  /** The pending alarm (epoch ms), mirrored in memory so concurrent connects decide in order. */
  private alarmAt: number | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.config = configFor(env);
    const c = this.config;
    this.store = new RoomStore(ctx.storage, { maxMessages: c.historyMaxMessages, maxAgeMs: c.historyMaxAgeMs });
    this.sockets = new SocketRegistry(ctx);
    this.admissions = new Admissions({ perUser: c.maxConnectionsPerUser, perRoom: c.maxConnectionsPerRoom });
    this.frameBuckets = new Buckets(ruleFor(c.clientPublishBurst, c.clientPublishWindowMs));
    this.userPublishBuckets = new Buckets(ruleFor(c.clientUserPublishBurst, c.clientPublishWindowMs));
    this.refreshBuckets = new Buckets(ruleFor(REFRESH_BURST, REFRESH_WINDOW_MS));
    this.abuseBuckets = new Buckets(ruleFor(c.abuseStrikes, ABUSE_WINDOW_MS));
    // Answered by the runtime without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
    void ctx.blockConcurrencyWhile(async () => {
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  /** Accepts a WebSocket upgrade forwarded by the Worker with a verified member. */
  override async fetch(request: Request): Promise<Response> {
    const { member, since, subprotocol } = decodeRoomConnect(request.headers.get(IDENTITY_HEADER));
    const refusal = await this.admission(member);
    if (refusal !== undefined) return errorResponse(refusal);
    const { 0: client, 1: server } = new WebSocketPair();
    const state: ConnectionState = { ...member, connectionId: crypto.randomUUID(), connectedAt: Date.now() };
    this.sockets.accept(server, state);
    // Welcome, replay and the join happen with no await in between, so no publish can slip into
    // the seam: the client sees every message after `since` exactly once.
    this.welcome(server, state, since);
    this.sockets.announce(presenceFrame("join", state), server);
    await this.scheduleAlarm(state.exp * 1000);
    const headers = subprotocol ? { "sec-websocket-protocol": SUBPROTOCOL } : undefined;
    return new Response(null, { status: 101, webSocket: client, headers });
  }

  /**
   * Caps, then revocations. The caps are checked and a place reserved before the one await (the
   * tenant, when the cached list's lease has run out), so concurrent connects cannot overshoot.
   */
  private async admission(member: Member): Promise<GatewayError | undefined> {
    const reserved = this.admissions.reserve(
      member.sub,
      this.sockets.countOpen(userTag(member.sub)),
      this.sockets.countOpen(),
    );
    if (reserved instanceof GatewayError) return reserved;
    try {
      if (await this.isRevoked(member.tenant, member.room, member))
        return new GatewayError("token_revoked", "token has been revoked");
      return undefined;
    } finally {
      reserved();
    }
  }

  /**
   * Decides from the cached list while its lease holds; otherwise registers with the tenant, which
   * answers for this token and refreshes the list. A revoked token registers nothing.
   */
  private async isRevoked(tenant: string, room: string, token: TokenRef): Promise<boolean> {
    const sentAt = Date.now();
    if (!this.revocations.fresh(sentAt)) {
      this.tenant ??= tenantStub(this.env, tenant);
      let answer: Registration;
      try {
        answer = await this.tenant.register(roomObjectName(tenant, room), token);
      } catch (err) {
        // A stub that saw a network error stays broken: the next call makes a new one.
        this.tenant = undefined;
        throw err;
      }
      if (answer.revoked) return true;
      this.revocations.settle(answer.revocations, sentAt);
    }
    return this.revocations.isRevoked(token, Math.floor(Date.now() / 1000));
  }

  private welcome(ws: WebSocket, state: ConnectionState, since: number | undefined): void {
    const seq = this.store.lastSeq();
    const base = { connectionId: state.connectionId, room: state.room, user: state.sub, seq };
    if (since === undefined) {
      send(ws, encodeWelcome(base));
      return;
    }
    const now = Date.now();
    const viewer: Viewer = { kind: "user", sub: state.sub };
    // A replay larger than one history page is not sent at all: the client pages over HTTP.
    const replay = canRecover(since, seq, this.store.oldestSeq(now))
      ? replayOf(this.store.scan(since, now), readableBy(viewer, state.filter), this.config.historyPageMaxBytes)
      : undefined;
    send(ws, encodeWelcome({ ...base, recovered: replay !== undefined }));
    for (const frame of replay ?? []) send(ws, frame);
  }

  /**
   * Numbers, stamps, records and delivers messages in order, with consecutive seqs: nothing
   * interleaves. With a key seen before, answers from its record and delivers nothing.
   */
  async publish(reqs: readonly PublishRequest[], idempotency?: IdempotencyRef): Promise<PublishOutcome> {
    return this.store.keys.once(idempotency, Date.now(), () => reqs.map((req) => this.deliverMessage(req)));
  }

  private deliverMessage(req: PublishRequest): PublishResult {
    const seq = this.store.nextSeq();
    const id = crypto.randomUUID();
    const ts = Date.now();
    const { event, tags } = req;
    const frame = encodeMessageFrame({ id, seq, room: req.room, event, tags, sender: req.sender, ts }, req.payloadJson);
    const recipients = selectRecipients((tag) => this.sockets.all(tag), req.to, req.exclude);
    // Targeted messages remember who they were for, so replay and history show them to no one else.
    const audience =
      req.to === undefined
        ? undefined
        : [...new Set(recipients.map((ws) => stateOf(ws).sub).concat(req.to.users ?? []))];
    this.store.append({ seq, ts, frame, audience, event, tags });
    this.ctx.waitUntil(this.scheduleAlarm(ts + this.config.historyMaxAgeMs));
    return { id, seq, delivered: deliver(recipients, frame) };
  }

  /** History over HTTP: one page as a JSON string, frames exactly as they were sent. */
  async history(query: HistoryQuery, viewer: Viewer, filter?: Filter): Promise<string> {
    const rows = this.store.scan(query.since ?? 0, Date.now());
    const limit = query.limit ?? DEFAULT_HISTORY_LIMIT;
    const page = takePage(rows, readableBy(viewer, filter), limit, this.config.historyPageMaxBytes);
    return encodeHistoryPage(page.frames, this.store.lastSeq(), page.next);
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
  async revoke(r: Revocation): Promise<PushResult> {
    this.revocations.add(r, Date.now());
    const targets = this.sockets.open().filter((ws) => matches(r, stateOf(ws)));
    for (const ws of targets) this.end(ws, CloseCode.tokenRevoked, "token_revoked");
    return { closed: targets.length, open: this.heldForTenant() };
  }

  /** Asked by the tenant's sweep of registrations no connect has renewed for a long time. */
  async holdsSockets(): Promise<boolean> {
    return this.heldForTenant() > 0;
  }

  /**
   * Sockets the tenant must keep pushing to: open ones and connects still being admitted. At zero
   * the tenant forgets the room, so the next connect must register again.
   */
  private heldForTenant(): number {
    const held = this.sockets.countOpen() + this.admissions.pending;
    if (held === 0) this.revocations.expire();
    return held;
  }

  /**
   * Closes sockets whose token has expired and deletes expired history; a room left with neither
   * sockets nor history deletes its storage. Then re-arms for whatever comes next.
   */
  override async alarm(): Promise<void> {
    this.alarmAt = null;
    const now = Date.now();
    for (const ws of this.sockets.open()) {
      if (isExpired(stateOf(ws), now)) this.end(ws, CloseCode.tokenExpired, "token_expired");
    }
    this.store.expire(now);
    const open = this.sockets.open();
    const historyExpiry = this.store.nextExpiry();
    if (open.length === 0 && this.admissions.pending === 0 && historyExpiry === undefined) {
      await this.store.clear();
      return;
    }
    const next = Math.min(
      earliestExpiryMs(open.map(stateOf)) ?? Number.POSITIVE_INFINITY,
      historyExpiry ?? Number.POSITIVE_INFINITY,
    );
    // Nothing to wait for but a connect still being admitted: its accept arms the alarm.
    if (Number.isFinite(next)) await this.scheduleAlarm(next);
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    // Frames a client sent before we closed it (abuse, kick) still arrive: never act on them.
    if (ws.readyState !== WebSocket.OPEN) return;
    const parsed = parseClientFrame(message, this.config.maxPayloadBytes);
    if (!parsed.ok) return this.reject(ws, parsed.error, parsed.ref);
    const frame = parsed.frame;
    const ref = frame.type === "publish" ? frame.ref : undefined;
    const refusal = this.budgetRefusal(stateOf(ws), frame);
    if (refusal !== undefined) return this.reject(ws, refusal, ref);
    try {
      if (frame.type === "ping") send(ws, PONG_FRAME);
      else if (frame.type === "refresh") await this.refresh(ws, frame.token);
      else this.clientPublish(ws, frame);
    } catch (err) {
      if (err instanceof GatewayError) return this.reject(ws, err, ref);
      // Our failure, not the client's (the tenant unreachable during a refresh): no strike.
      log("internal_error", { via: "ws", frame: frame.type, error: String(err) });
      if (ws.readyState === WebSocket.OPEN) send(ws, errorFrame(new GatewayError("internal", "internal error"), ref));
    }
  }

  /**
   * Every frame the room handles costs its connection a token; a publish also costs its user one
   * (that bucket survives reconnects), a refresh one of its own few. A refusal is a strike.
   */
  private budgetRefusal(state: ConnectionState, frame: ClientFrame): GatewayError | undefined {
    const now = Date.now();
    const allowed =
      this.frameBuckets.allow(state.connectionId, now) &&
      (frame.type !== "publish" || this.userPublishBuckets.allow(state.sub, now)) &&
      (frame.type !== "refresh" || this.refreshBuckets.allow(state.connectionId, now));
    return allowed ? undefined : new GatewayError("rate_limited", `${frame.type} rate exceeded`);
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
    const { event, tags, to, exclude, key } = frame;
    const req: PublishRequest = { room: state.room, sender, event, tags, payloadJson, to, exclude };
    const idempotency =
      key === undefined ? undefined : { owner: keyOwner(sender), key, fingerprint: requestFingerprint([req]) };
    const outcome = this.store.keys.once(idempotency, Date.now(), () => [this.deliverMessage(req)]);
    if (outcome.status === "key_reused") {
      this.reject(ws, new GatewayError("idempotency_key_reused", "key was used for another publish"), frame.ref);
      return;
    }
    // One message published, or the record of one: its fingerprint names exactly one.
    const [result] = outcome.results;
    if (result === undefined) throw new Error("a publish of one message has no result");
    if (frame.ref !== undefined) send(ws, encodeAck({ ref: frame.ref, ...result }));
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

  /** Why a client's publish is refused: scope or size. */
  private publishRefusal(state: ConnectionState, payloadJson: string): GatewayError | undefined {
    const max = this.config.maxPayloadBytes;
    if (!state.scopes.includes("publish")) return new GatewayError("forbidden", 'publishing needs scope "publish"');
    if (exceedsBytes(payloadJson, max)) return new GatewayError("payload_too_large", `payload exceeds ${max} bytes`);
    return undefined;
  }

  /** Extends a connection's life with a new token for the same tenant and sub. */
  private async refresh(ws: WebSocket, token: string): Promise<void> {
    const state = stateOf(ws);
    const next = await refreshedState(
      this.config,
      state,
      token,
      (t) => this.isRevoked(state.tenant, state.room, t),
      new Date(),
    );
    if (ws.readyState !== WebSocket.OPEN) return;
    attach(ws, next);
    await this.scheduleAlarm(next.exp * 1000);
    send(ws, encodeRefreshed(next.exp));
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.depart(ws, code);
    // The hibernation API never answers a peer's close frame by itself.
    closeQuietly(ws, code, reason);
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
    this.frameBuckets.delete(state.connectionId);
    this.refreshBuckets.delete(state.connectionId);
    this.abuseBuckets.delete(state.connectionId);
    log("disconnect", {
      tenant: state.tenant,
      room: state.room,
      sender: `user:${state.sub}`,
      connectionId: state.connectionId,
      code,
      durationMs: Date.now() - state.connectedAt,
    });
    this.sockets.announce(presenceFrame("leave", state), ws);
    if (this.admissions.pending === 0 && this.sockets.isEmptyBut(ws)) this.emptied(state);
  }

  /**
   * The last socket left: the tenant stops pushing here (the next connect registers again), and a
   * room with no history left deletes its storage from the alarm.
   */
  private emptied(state: ConnectionState): void {
    this.revocations.expire();
    this.tenant ??= tenantStub(this.env, state.tenant);
    const object = roomObjectName(state.tenant, state.room);
    this.ctx.waitUntil(
      this.tenant.unregister(object).catch((err: unknown) => {
        // The tenant's next push or sweep finds the room empty and forgets it then.
        log("unregister_failed", { object, error: String(err) });
        this.tenant = undefined;
      }),
    );
    if (this.store.nextExpiry() === undefined) this.ctx.waitUntil(this.scheduleAlarm(Date.now()));
  }

  /** Keeps one alarm, at the earliest time anything needs it; decided before any await. */
  private async scheduleAlarm(atMs: number): Promise<void> {
    if (this.alarmAt !== null && this.alarmAt <= atMs) return;
    this.alarmAt = atMs;
    await this.ctx.storage.setAlarm(atMs);
  }

  /** Sends an error frame and counts a strike; repeated abuse closes the socket with 1008. */
  private reject(ws: WebSocket, error: GatewayError, ref?: Ref): void {
    send(ws, errorFrame(error, ref));
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
