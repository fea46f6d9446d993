// One Durable Object per tenant+room: holds the sockets (hibernation API), numbers and delivers.
// Handlers stay short; decisions live in the pure helpers beside this file.
import { DurableObject } from "cloudflare:workers";
import { type Config, configFor } from "../config.ts";
import type { Env } from "../env.ts";
import { errorFrame, GatewayError } from "../errors.ts";
import { Buckets, ruleFor } from "../limits/token-bucket.ts";
import { log } from "../log.ts";
import {
  type AckFrame,
  CloseCode,
  connectIdentitySchema,
  IDENTITY_HEADER,
  PING_FRAME,
  PONG_FRAME,
  type PublishRequest,
  type PublishResult,
  SUBPROTOCOL,
} from "../protocol.ts";
import { parseClientFrame } from "./client-frames.ts";
import { type ConnectionState, stateOf, tagsFor } from "./connection.ts";
import { encodeMessageFrame, encodeWelcome, exceedsBytes } from "./envelope.ts";
import { RoomStore } from "./room-store.ts";
import { selectRecipients } from "./targeting.ts";

const ABUSE_WINDOW_MS = 10_000;
const OPEN = 1;

export class Room extends DurableObject<Env> {
  private readonly store: RoomStore;
  private readonly config: Config;
  // Per-connection buckets live in memory: the object only hibernates after seconds of silence,
  // by which time a bucket would have refilled anyway.
  private readonly publishBuckets: Buckets;
  private readonly abuseBuckets: Buckets;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.config = configFor(env);
    this.store = new RoomStore(ctx.storage.sql);
    this.publishBuckets = new Buckets(ruleFor(this.config.clientPublishBurst, this.config.clientPublishWindowMs));
    this.abuseBuckets = new Buckets(ruleFor(this.config.abuseStrikes, ABUSE_WINDOW_MS));
    // Answered by the runtime without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
  }

  /** Accepts a WebSocket upgrade forwarded by the Worker with a verified identity. */
  override async fetch(request: Request): Promise<Response> {
    const identity = connectIdentitySchema.parse(JSON.parse(request.headers.get(IDENTITY_HEADER) ?? "null"));
    const { 0: client, 1: server } = new WebSocketPair();
    const state: ConnectionState = {
      connectionId: crypto.randomUUID(),
      room: identity.room,
      sub: identity.sub,
      scopes: identity.scopes,
      exp: identity.exp,
    };
    this.ctx.acceptWebSocket(server, tagsFor(state));
    server.serializeAttachment(state);
    server.send(
      encodeWelcome({
        connectionId: state.connectionId,
        room: identity.room,
        user: state.sub,
        seq: this.store.lastSeq(),
      }),
    );
    const headers = identity.subprotocol ? { "sec-websocket-protocol": SUBPROTOCOL } : undefined;
    return new Response(null, { status: 101, webSocket: client, headers });
  }

  /** Numbers, stamps and delivers one message. Called over RPC and for client publishes. */
  async publish(req: PublishRequest): Promise<PublishResult> {
    return this.deliver(req);
  }

  private deliver(req: PublishRequest): PublishResult {
    const seq = this.store.nextSeq();
    const id = crypto.randomUUID();
    const frame = encodeMessageFrame(
      { id, seq, room: req.room, event: req.event, sender: req.sender, ts: Date.now() },
      req.payloadJson,
    );
    let delivered = 0;
    for (const ws of selectRecipients((tag) => this.ctx.getWebSockets(tag), req.to, req.exclude)) {
      if (ws.readyState !== OPEN) continue;
      try {
        ws.send(frame);
        delivered++;
      } catch (err) {
        // A failed send fails only that socket; everyone else still gets the message.
        log("send_failed", { error: String(err) });
        closeQuietly(ws, CloseCode.internalError, "send failed");
      }
    }
    return { id, seq, delivered };
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const parsed = parseClientFrame(message, this.config.maxPayloadBytes);
    if (!parsed.ok) return this.reject(ws, parsed.error, parsed.ref);
    const frame = parsed.frame;
    if (frame.type === "ping") {
      ws.send(PONG_FRAME);
      return;
    }
    const state = stateOf(ws);
    if (!state.scopes.includes("publish"))
      return this.reject(ws, new GatewayError("forbidden", 'publishing needs scope "publish"'), frame.ref);
    if (!this.publishBuckets.allow(state.connectionId, Date.now()))
      return this.reject(ws, new GatewayError("rate_limited", "publish rate exceeded"), frame.ref);
    const payloadJson = JSON.stringify(frame.payload);
    if (exceedsBytes(payloadJson, this.config.maxPayloadBytes))
      return this.reject(
        ws,
        new GatewayError("payload_too_large", `payload exceeds ${this.config.maxPayloadBytes} bytes`),
        frame.ref,
      );
    const result = this.deliver({
      room: state.room,
      sender: { kind: "user", id: state.sub },
      event: frame.event,
      payloadJson,
      to: frame.to,
      exclude: frame.exclude,
    });
    if (frame.ref !== undefined) {
      const ack: AckFrame = { type: "ack", ref: frame.ref, ...result };
      ws.send(JSON.stringify(ack));
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.forget(ws);
    // The hibernation API never answers a peer's close frame by itself; reserved codes cannot be sent.
    closeQuietly(ws, code === 1005 || code === 1006 || code === 1015 ? CloseCode.normal : code, reason);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.forget(ws);
  }

  private forget(ws: WebSocket): void {
    const { connectionId } = stateOf(ws);
    this.publishBuckets.delete(connectionId);
    this.abuseBuckets.delete(connectionId);
  }

  /** Sends an error frame and counts a strike; repeated abuse closes the socket with 1008. */
  private reject(ws: WebSocket, error: GatewayError, ref?: AckFrame["ref"]): void {
    ws.send(errorFrame(error, ref));
    if (!this.abuseBuckets.allow(stateOf(ws).connectionId, Date.now()))
      closeQuietly(ws, CloseCode.policyViolation, "too many invalid frames");
  }
}

/** close() throws on a socket that is already closed; that case is expected and harmless. */
function closeQuietly(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, reason);
  } catch {
    // already closed
  }
}
