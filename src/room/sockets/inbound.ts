// What a client's frame does: parsed (into a validated ClientFrame, or the error frame's code and
// ref) and charged to its budgets, then a ping is answered, a refresh extends the connection's
// life, a filter frame replaces its filter, and a publish goes to the socket's upstream (this
// object's ledger, or the coordinator) and is acknowledged. A refusal is an error frame, and a
// strike unless the frame was only over budget (`rate_limited` says how long to wait: a client
// pacing itself is not abusing); an error of ours is an `internal` error frame and no strike.
import { identityLabel, senderOf } from "../../auth/principal.ts";
import type { Config } from "../../config.ts";
import { errorFrame, GatewayError } from "../../errors.ts";
import { filterOf } from "../../filter.ts";
import { log } from "../../log.ts";
import { type ClientFrame, clientFrameSchema, looseRefSchema } from "../../protocol.ts";
import { ENVELOPE_SLACK_BYTES, idempotencyRefOf, publishRequestOf } from "../../publish-request.ts";
import { exceedsBytes } from "../../utf8.ts";
import { CloseCode, encodeAck, PONG_FRAME, type PublishFrame, type Ref } from "../../wire.ts";
import type { RoomMeter } from "../metering.ts";
import { stateOf } from "./attachment.ts";
import type { FrameBudgets } from "./budgets.ts";
import type { SocketHost } from "./host.ts";
import { InFlight } from "./in-flight.ts";
import { refreshedState } from "./refresh.ts";
import { send } from "./send.ts";
import type { TenantPublishRate } from "./tenant-rate.ts";

export type ParsedFrame = { ok: true; frame: ClientFrame } | { ok: false; error: GatewayError; ref?: Ref };

export function parseClientFrame(message: string | ArrayBuffer, maxPayloadBytes: number): ParsedFrame {
  if (typeof message !== "string")
    return { ok: false, error: new GatewayError("unsupported", "binary frames are not supported") };
  if (exceedsBytes(message, maxPayloadBytes + ENVELOPE_SLACK_BYTES))
    return { ok: false, error: new GatewayError("payload_too_large", `frame exceeds ${maxPayloadBytes} bytes`) };
  let raw: unknown;
  try {
    raw = JSON.parse(message);
  } catch {
    return { ok: false, error: new GatewayError("invalid_json", "frame is not valid JSON") };
  }
  const parsed = clientFrameSchema.safeParse(raw);
  if (parsed.success) return { ok: true, frame: parsed.data };
  const ref = looseRefSchema.safeParse(raw);
  const fields = [...new Set(parsed.error.issues.map((i) => i.path.join(".") || i.message))];
  return {
    ok: false,
    error: new GatewayError("invalid_message", `invalid frame: ${fields.join(", ")}`),
    ...(ref.success ? { ref: ref.data.ref } : {}),
  };
}

export class Inbound {
  private readonly host: SocketHost;
  private readonly budgets: FrameBudgets;
  private readonly config: Config;
  private readonly meter: RoomMeter;
  private readonly tenantRate: TenantPublishRate;
  private readonly inFlight = new InFlight();

  constructor(
    host: SocketHost,
    budgets: FrameBudgets,
    config: Config,
    meter: RoomMeter,
    tenantRate: TenantPublishRate,
  ) {
    this.host = host;
    this.budgets = budgets;
    this.config = config;
    this.meter = meter;
    this.tenantRate = tenantRate;
  }

  async message(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    // Frames a client sent before we closed it (abuse, kick) still arrive: never act on them.
    if (ws.readyState !== WebSocket.OPEN || !this.host.readable(ws) || this.inFlight.closing(ws)) return;
    // The tenant's own limit when it has one: a frame is charged against what is in force now.
    const parsed = parseClientFrame(message, this.host.limits().maxPayloadBytes);
    if (!parsed.ok) return this.reject(ws, parsed.error, parsed.ref);
    const frame = parsed.frame;
    const ref = frame.type === "publish" ? frame.ref : undefined;
    const refusal = this.budgets.refusal(stateOf(ws), frame, Date.now());
    if (refusal !== undefined) return this.reject(ws, refusal, ref);
    try {
      await this.inFlight.during(ws, () => this.handle(ws, frame));
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
    else if (frame.type === "filter") this.host.refilter(ws, filterOf(frame));
    else await this.publish(ws, frame);
  }

  private async publish(ws: WebSocket, frame: PublishFrame): Promise<void> {
    const state = stateOf(ws);
    if (!state.scopes.includes("publish")) throw new GatewayError("forbidden", 'publishing needs scope "publish"');
    const sender = senderOf(state);
    const limits = this.host.limits();
    const req = publishRequestOf(sender, state.room, frame, limits.maxPayloadBytes, "ws");
    // The tenant's whole publish rate, HTTP included: a refusal is `rate_limited`, not a strike.
    if (limits.publishPerSecond !== null) await this.tenantRate.charge(ws, state.tenant, limits.publishPerSecond);
    // Synchronous from here, so the publish leaves this socket in the order its frames came.
    const outcome = await this.host
      .upstreamOf(state.shard)
      .publish(req, idempotencyRefOf(sender, frame.key, [req]), state);
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
      sender: identityLabel(state),
      bytes: req.payloadJson.length,
      delivered: result.delivered,
      seq: "seq" in result ? result.seq : undefined,
      replayed: outcome.status === "replayed" || undefined,
    });
  }

  /** Extends a connection's life with a new token for the same tenant and sub. */
  private async refresh(ws: WebSocket, token: string): Promise<void> {
    const state = stateOf(ws);
    const next = await refreshedState(this.config, state, token, (t) => this.host.isRevoked(state, t), new Date());
    await this.host.refreshed(ws, next);
  }

  /**
   * Sends an error frame and, unless the frame was only over budget, counts a strike; repeated
   * abuse closes the socket with 1008 once the frames it had accepted are answered.
   */
  private reject(ws: WebSocket, error: GatewayError, ref?: Ref): void {
    send(ws, errorFrame(error, ref));
    this.meter.count("refusals", error.code, 1);
    const state = stateOf(ws);
    const now = Date.now();
    if (this.budgets.logs(state.connectionId, error, now))
      log("rejected", {
        via: "ws",
        tenant: state.tenant,
        room: state.room,
        sender: identityLabel(state),
        code: error.code,
      });
    if (error.code !== "rate_limited" && this.budgets.struckOut(state.connectionId, now))
      this.inFlight.closeWhenDone(ws, () => this.host.end(ws, CloseCode.policyViolation, "too many invalid frames"));
  }
}
