// The client: one socket at a time, resumed from the last seen seq after every drop, its token
// refreshed in place before expiry, its unacknowledged publishes resent under their idempotency keys,
// and every state change made by `setState`.
//
// Why not partysocket: its reconnect loop restarts on every close unless `close()` is called, so
// terminal codes (4002/4003, a refused connect's 44xx, 4001 without a new token) would race its own retry;
// its delay grows geometrically from one random minimum per page, not with full jitter per attempt;
// its send buffer drops overflow silently and replays raw frames on `open`, before `welcome`, where
// a publish needs a ref, an ack and a clear rejection; and it takes the global WebSocket, so Node
// cannot see a refused upgrade's status through `ws`. What is left (open a socket, listen) is small.
import { queryFilterProblem } from "../filter.ts";
import {
  type AckFrame,
  CloseCode,
  type EphemeralFrame,
  type ErrorFrame,
  type Exclude as ExcludeTarget,
  type FilterSpec,
  type LiveMessageFrame,
  type MessageFrame,
  PING_FRAME,
  type PresenceFrame,
  type ServerFrame,
  type Tags,
  type Target,
  type WelcomeFrame,
} from "../wire.ts";
import { type AckWaiter, PendingAcks, type PublishAck } from "./acks.ts";
import { nextAttempt, retryDelay } from "./backoff.ts";
import { closeVerdict, type Reason, type Refusal, refusalStatus, refusalVerdict, type Verdict } from "./codes.ts";
import { Emitter, type Listener } from "./emitter.ts";
import { ClientError, gatewayError } from "./errors.ts";
import { FilterRequests } from "./filter-requests.ts";
import { parseServerFrame } from "./frames.ts";
import { isKey, newKey } from "./keys.ts";
import { type ClientOptions, type ResolvedOptions, resolveOptions } from "./options.ts";
import { BoundedQueue } from "./queue.ts";
import { fetchToken, Refresher } from "./refresher.ts";
import { applyWelcome, isNewMessage, type Resync } from "./resume.ts";
import { type ClientState, canTransition, isActive } from "./state.ts";
import { decodeTokenExp } from "./token.ts";
import { connectRequest, type WebSocketLike, watchUpgradeFailure } from "./transport.ts";

export type StateChange = {
  state: ClientState;
  previous: ClientState;
  /** Why the client failed (state `failed`), or why it waits when the gateway said (`reconnecting` after a refusal such as `rate_limited`). */
  error?: ClientError;
  /** Retry number and its delay (state `reconnecting`). */
  attempt?: number;
  delayMs?: number;
};

export type ClientEvents = {
  state: StateChange;
  welcome: WelcomeFrame;
  message: MessageFrame;
  /**
   * A message published with `ephemeral` (typing, cursors): live only, no seq. Its own event, so a
   * `message` listener can always rely on `seq`; missing one is never a gap.
   */
  ephemeral: EphemeralFrame;
  presence: PresenceFrame;
  /** Messages may have been missed (history gap): reload state from the app's source of truth. */
  resync: Resync;
  /** Something went wrong that the client handles itself (a failed refresh, a dropped connection), and terminal failures. */
  error: ClientError;
};

export type PublishOptions = {
  to?: Target;
  exclude?: ExcludeTarget;
  tags?: Tags;
  /** Idempotency key; default a random one. Reuse it to retry a publish the app is unsure about. */
  key?: string;
  /**
   * Live only (typing indicators, cursors): no seq, no history, no replay. The gateway keeps no
   * idempotency record for it, so one sent again after a reconnect may arrive twice.
   */
  ephemeral?: boolean;
};

type TimerName = "retry" | "connect" | "ping" | "pong" | "pace";
/** How long to hold publishes after a `rate_limited` that does not say (a gateway before retryAfter). */
const DEFAULT_PACE_MS = 1_000;

/** A publish frame, ready to send again as it is: its ref and key stay the same. */
type Outgoing = AckWaiter & { text: string };

export class BroadcastClient {
  private readonly o: ResolvedOptions;
  private readonly events = new Emitter<ClientEvents>();
  private readonly queue: BoundedQueue<Outgoing>;
  /** Publishes the gateway refused for rate, waiting out its `retryAfter` (see `hold`). */
  private readonly held: Outgoing[] = [];
  private readonly acks: PendingAcks<Outgoing>;
  private readonly filters: FilterRequests;
  /** Counts ref-less frames (refresh, filter) as sent: the gateway answers them in this order. */
  private controlOrder = 0;
  private refreshSentAt = 0;
  private current: ClientState = "idle";
  private socket: WebSocketLike | undefined;
  /** Bumped for every attempt and teardown: callbacks of an older socket compare and do nothing. */
  private generation = 0;
  private attempt = 0;
  private seq: number | undefined;
  private connId: string | undefined;
  private connectedAt: number | undefined;
  private tokenExp: number | undefined;
  private tokenObtainedAt = 0;
  private readonly refresher: Refresher;
  /** What the gateway said when refusing this attempt: the HTTP status (`ws`) or the `error` frame before the close. */
  private refusal: Partial<Refusal> | undefined;
  /** A new token was already asked for after a token refusal; reset by a welcome. */
  private renewedToken = false;
  private nextRef = 0;
  private timers: { [K in TimerName]?: () => void } = {};

  constructor(options: ClientOptions) {
    this.o = resolveOptions(options);
    this.seq = this.o.since;
    this.queue = new BoundedQueue(this.o.maxQueue);
    this.acks = new PendingAcks(this.o.setTimer, this.o.ackTimeoutMs);
    this.filters = new FilterRequests(
      {
        setTimer: this.o.setTimer,
        answerTimeoutMs: this.o.ackTimeoutMs,
        send: (frame) => {
          this.socket?.send(frame);
          return ++this.controlOrder;
        },
      },
      this.o.filter,
    );
    this.refresher = new Refresher({
      ...this.o,
      policy: this.o.refresh,
      answerTimeoutMs: this.o.ackTimeoutMs,
      send: (frame) => {
        if (this.current !== "connected" || this.socket === undefined) return false;
        this.socket.send(frame);
        this.refreshSentAt = ++this.controlOrder;
        return true;
      },
      report: (err) => this.report(err),
    });
  }

  get state(): ClientState {
    return this.current;
  }
  /** The last seq delivered (or resumed from); the next connect asks for everything after it. */
  get lastSeq(): number | undefined {
    return this.seq;
  }
  get connectionId(): string | undefined {
    return this.connId;
  }
  get queued(): number {
    return this.queue.size;
  }

  on<K extends keyof ClientEvents>(type: K, listener: Listener<ClientEvents[K]>): () => void {
    return this.events.on(type, listener);
  }
  off<K extends keyof ClientEvents>(type: K, listener: Listener<ClientEvents[K]>): void {
    this.events.off(type, listener);
  }

  /** Starts connecting (again, after `close()` or a terminal failure). Does nothing while active. */
  connect(): void {
    if (isActive(this.current)) return;
    this.attempt = 0;
    this.refresher.failed = false;
    void this.open();
  }

  /** Closes the socket for good; queued and unacknowledged publishes reject with `closed`. */
  close(): void {
    if (this.current === "closed") return;
    const err = new ClientError("closed", "the client was closed");
    this.teardown();
    this.rejectWaiting(err);
    this.setState("closed");
  }

  /**
   * Resolves with the gateway's ack. Queued (bounded) while not connected. Every publish carries an
   * idempotency key, so one sent on a socket that drops before its ack is sent again after the
   * reconnect and answered with its first ack: it is never delivered twice.
   */
  publish(event: string, payload: unknown, options: PublishOptions = {}): Promise<PublishAck> {
    if (this.current === "closed" || this.current === "failed")
      return Promise.reject(new ClientError("closed", `cannot publish: the client is ${this.current}`));
    if (typeof event !== "string" || event.length < 1 || event.length > 64)
      return Promise.reject(new ClientError("invalid_message", "event must be 1-64 characters"));
    if (payload === undefined) return Promise.reject(new ClientError("invalid_message", "payload is required"));
    const key = options.key ?? newKey();
    if (!isKey(key))
      return Promise.reject(new ClientError("invalid_message", "key must be 1-128 printable ASCII characters"));
    const ref = ++this.nextRef;
    const { to, exclude, tags } = options;
    const ephemeral = options.ephemeral === true ? true : undefined;
    let text: string;
    try {
      // The gateway keeps no idempotency record for an ephemeral publish: no key pretends otherwise.
      const frame = ephemeral ? { ephemeral } : { key };
      text = JSON.stringify({ type: "publish", event, payload, tags, to, exclude, ref, ...frame });
    } catch (cause) {
      return Promise.reject(new ClientError("invalid_message", "payload is not JSON-serializable", { cause }));
    }
    return new Promise((resolve, reject) => {
      const out: Outgoing = { ref, text, resolve, reject };
      if (this.current === "connected" && this.held.length === 0) this.send(out);
      else if (!this.queue.push(out))
        reject(
          new ClientError("queue_full", `the send queue is full (${this.o.maxQueue} publishes wait for a connection)`),
        );
    });
  }

  /**
   * Replaces the filter (`{}` clears it) and keeps it for every later connect. Connected, it resolves
   * when the gateway answers `filtered`; connecting, with the next welcome; idle or stopped, at once.
   * From then on `seq` skips the messages filtered out: gaps are expected, never loss.
   */
  setFilter(filter: FilterSpec): Promise<void> {
    const spec: FilterSpec = { events: filter.events, tags: filter.tags };
    const problem = queryFilterProblem(spec);
    if (problem !== undefined) return Promise.reject(new ClientError("invalid_filter", problem));
    if (this.current === "connected") return this.filters.request(spec, true);
    if (this.current === "connecting" || this.current === "reconnecting") return this.filters.request(spec, false);
    this.filters.remember(spec);
    return Promise.resolve();
  }

  private setState(next: ClientState, extra: Omit<StateChange, "state" | "previous"> = {}): void {
    const previous = this.current;
    if (!canTransition(previous, next)) throw new Error(`BroadcastClient: no transition from ${previous} to ${next}`);
    this.current = next;
    this.events.emit("state", { state: next, previous, ...extra });
  }

  private isCurrent(generation: number): boolean {
    return generation === this.generation && this.socket !== undefined;
  }

  private setTimer(name: TimerName, fn: () => void, ms: number): void {
    this.timers[name]?.();
    const cancel = this.o.setTimer(() => {
      if (this.timers[name] === cancel) delete this.timers[name];
      fn();
    }, ms);
    this.timers[name] = cancel;
  }

  private clearTimer(name: TimerName): void {
    this.timers[name]?.();
    delete this.timers[name];
  }

  private async open(): Promise<void> {
    const generation = ++this.generation;
    this.setState("connecting");
    let token: string;
    try {
      token = await fetchToken(this.o.token);
    } catch (cause) {
      if (generation !== this.generation) return;
      this.report(new ClientError("token_provider_failed", "the token provider failed", { cause }));
      this.retryLater();
      return;
    }
    if (generation !== this.generation) return;
    const request = connectRequest({ ...this.o, token, since: this.seq, filter: this.filters.forConnect() });
    let socket: WebSocketLike;
    try {
      socket =
        request.headers === undefined
          ? new this.o.WebSocket(request.url, request.protocols)
          : new this.o.WebSocket(request.url, request.protocols, { headers: request.headers });
    } catch (cause) {
      // Browsers throw SyntaxError for a protocol list they refuse (a token that is not a JWT).
      this.fail(new ClientError("connect_failed", "the WebSocket could not be created", { cause }));
      return;
    }
    this.socket = socket;
    this.refusal = undefined;
    this.tokenExp = decodeTokenExp(token);
    this.tokenObtainedAt = this.o.now();
    watchUpgradeFailure(socket, (refusal) => {
      if (generation === this.generation) this.refusal = refusal;
    });
    socket.addEventListener("message", (e) => {
      if (this.isCurrent(generation)) this.onFrame(generation, e.data);
    });
    socket.addEventListener("close", (e) => {
      if (this.isCurrent(generation)) this.onClose(e.code, e.reason);
    });
    // Once open, an 'error' is followed by 'close', which decides what happens. Before that it ends
    // the attempt: Node's built-in WebSocket (undici) fires no 'close' after a refused upgrade.
    let opened = false;
    socket.addEventListener("open", () => {
      opened = true;
    });
    socket.addEventListener("error", () => {
      if (!opened && this.isCurrent(generation)) this.onClose(CloseCode.abnormal, "");
    });
    this.setTimer(
      "connect",
      () => this.drop(new ClientError("connect_timeout", "no welcome in time")),
      this.o.connectTimeoutMs,
    );
  }

  private onFrame(generation: number, data: unknown): void {
    this.clearTimer("pong");
    const parsed = parseServerFrame(data);
    if (parsed.ok === "unknown") return; // a frame type from a newer gateway
    if (!parsed.ok) {
      this.report(new ClientError("invalid_frame", parsed.reason));
      return;
    }
    this.handle(generation, parsed.frame);
  }

  private handle(generation: number, frame: ServerFrame): void {
    switch (frame.type) {
      case "welcome":
        this.onWelcome(generation, frame);
        break;
      case "message":
        this.onMessage(frame);
        break;
      case "batch":
        // One by one, as if each had come alone; a listener may close the client in between.
        for (const message of frame.messages) if (this.isCurrent(generation)) this.onMessage(message);
        break;
      case "filtered":
        if (!this.filters.answered()) this.report(new ClientError("invalid_frame", "filtered without a filter"));
        break;
      case "ack":
        if (!this.acks.settle(frame.ref, ackOf(frame)))
          this.report(new ClientError("invalid_frame", `ack for unknown ref ${frame.ref}`));
        break;
      case "error":
        this.onErrorFrame(frame);
        break;
      case "refreshed":
        if (!this.refresher.answered(frame.exp))
          this.report(new ClientError("invalid_frame", "refreshed without a refresh"));
        break;
      case "presence":
        this.events.emit("presence", frame);
        break;
      case "pong":
        break;
    }
  }

  /**
   * Delivers a message once: a replay overlapping live ones, or a resent frame, has seq <= the last.
   * An ephemeral message has no seq: it is delivered as it comes and leaves the resume point alone.
   */
  private onMessage(frame: LiveMessageFrame): void {
    if ("ephemeral" in frame) {
      this.events.emit("ephemeral", frame);
      return;
    }
    if (!isNewMessage(this.seq, frame.seq)) return;
    this.seq = frame.seq;
    this.events.emit("message", frame);
  }

  private onWelcome(generation: number, frame: WelcomeFrame): void {
    if (this.current !== "connecting") {
      this.report(new ClientError("invalid_frame", "a second welcome"));
      return;
    }
    this.clearTimer("connect");
    const outcome = applyWelcome(this.seq, frame);
    this.seq = outcome.lastSeq;
    this.connId = frame.connectionId;
    this.connectedAt = this.o.now();
    this.renewedToken = false;
    this.setState("connected");
    // Listeners may have closed the client: check before every further step.
    if (this.isCurrent(generation)) this.events.emit("welcome", frame);
    if (outcome.resync !== undefined && this.isCurrent(generation)) this.events.emit("resync", outcome.resync);
    if (!this.isCurrent(generation)) return;
    this.filters.welcomed();
    for (const out of this.queue.drain()) this.send(out);
    // A fixed token cannot be refreshed: its expiry ends the session (4001, terminal without a provider).
    this.refresher.arm(this.o.renewable ? this.tokenExp : undefined, this.tokenObtainedAt);
    this.schedulePing(generation);
  }

  private onErrorFrame(frame: ErrorFrame): void {
    const { code, message, ref } = frame;
    // Before the welcome the client has sent nothing: a ref-less error is the refusal of the connect,
    // and the close that follows (4000 + status) decides what happens (PROTOCOL.md).
    if (this.current === "connecting" && ref === undefined) {
      const retryAfterMs = frame.retryAfter === undefined ? undefined : frame.retryAfter * 1000;
      this.refusal = { ...this.refusal, code, message, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
      return;
    }
    if (ref !== undefined && code === "rate_limited" && this.hold(ref, frame.retryAfter)) return;
    const err = gatewayError(code, message);
    if (ref !== undefined && this.acks.settle(ref, err)) return;
    // Publishes always carry a ref, so a ref-less error answers the oldest refresh or filter waiting.
    const filterSentAt = this.filters.oldestSentAt;
    if (
      ref === undefined &&
      this.refresher.waiting &&
      (filterSentAt === undefined || this.refreshSentAt < filterSentAt)
    )
      this.refresher.refused(err);
    else if (ref === undefined && filterSentAt !== undefined) this.filters.refused(err);
    else this.report(err);
  }

  private onClose(code: number, reason: string): void {
    const refusal = this.refusal;
    const status = refusal?.status ?? refusalStatus(code);
    const verdict = this.withRenewal(
      status === undefined
        ? closeVerdict(code, this.refresher.failed, reason)
        : refusalVerdict({ ...refusal, status, code: refusal?.code ?? reason }),
    );
    const errorOf = (r: Reason) =>
      new ClientError(r.code, r.message, { closeCode: code, status, gatewayCode: r.gatewayCode });
    this.teardown();
    if (verdict.retry === false) {
      this.fail(errorOf(verdict));
      return;
    }
    const err = verdict.reason && errorOf(verdict.reason);
    if (err !== undefined) this.report(err);
    this.retryLater(verdict.retryAfterMs, err);
  }

  /**
   * A token refusal becomes one more attempt with a new token from the app's provider, once per
   * welcome (a provider that keeps handing out refused tokens must not spin the client); without a
   * provider, or the second time, it is terminal.
   */
  private withRenewal(verdict: Verdict): Exclude<Verdict, { retry: "new_token" }> {
    if (verdict.retry !== "new_token") return verdict;
    const { code, message, gatewayCode } = verdict;
    const reason: Reason = gatewayCode === undefined ? { code, message } : { code, message, gatewayCode };
    if (!this.o.renewable || this.renewedToken) return { retry: false, ...reason };
    this.renewedToken = true;
    return { retry: true, reason };
  }

  /** A connection that is alive in name only (no welcome, no pong): drop it and retry. */
  private drop(err: ClientError): void {
    this.report(err);
    this.teardown();
    this.retryLater();
  }

  /**
   * A publish over the gateway's rate budget is not an error: it is held, with every later publish,
   * for as long as the gateway said, then sent again under its idempotency key (so it may land
   * after publishes sent before the refusal arrived). False when no publish waits for `ref`.
   */
  private hold(ref: string | number, retryAfter: number | undefined): boolean {
    const out = this.acks.takeBack(ref);
    if (out === undefined) return false;
    this.held.push(out);
    const generation = this.generation;
    const release = () => {
      if (!this.isCurrent(generation)) return;
      for (const o of [...this.held.splice(0), ...this.queue.drain()]) this.send(o);
    };
    this.setTimer("pace", release, retryAfter === undefined ? DEFAULT_PACE_MS : retryAfter * 1000);
    return true;
  }

  private send(out: Outgoing): void {
    this.acks.add(out);
    this.socket?.send(out.text);
  }

  private retryLater(retryAfterMs?: number, error?: ClientError): void {
    const uptime = this.connectedAt === undefined ? undefined : this.o.now() - this.connectedAt;
    this.connectedAt = undefined;
    this.attempt = nextAttempt(this.attempt, uptime, this.o.stableAfterMs);
    const delayMs = retryDelay(this.attempt, this.o.backoff, this.o.random, retryAfterMs);
    this.attempt++;
    this.setTimer("retry", () => void this.open(), delayMs);
    this.setState(
      "reconnecting",
      error === undefined ? { attempt: this.attempt, delayMs } : { attempt: this.attempt, delayMs, error },
    );
  }

  private fail(err: ClientError): void {
    this.teardown();
    this.rejectWaiting(err);
    this.report(err);
    this.setState("failed", { error: err });
  }

  /**
   * Forgets the socket and everything tied to it. Unacknowledged publishes go back to the front of
   * the queue, to be sent again, with their keys, after the next welcome; unanswered filters wait
   * for that welcome too, since its connect carries the latest filter.
   */
  private teardown(): void {
    this.generation++;
    for (const name of ["retry", "connect", "ping", "pong", "pace"] as const) this.clearTimer(name);
    this.refresher.stop();
    const socket = this.socket;
    this.socket = undefined;
    this.connId = undefined;
    // Held and unacknowledged publishes go back in the order they were made.
    this.queue.requeue([...this.held.splice(0), ...this.acks.takeAll()].sort((a, b) => a.ref - b.ref));
    this.filters.connectionLost();
    socket?.close(1000, "client closed");
  }

  /** The client stopped for good: queued publishes and waiting filters reject with `err`. */
  private rejectWaiting(err: ClientError): void {
    for (const out of this.queue.drain()) out.reject(err);
    this.filters.failed(err);
  }

  private report(err: ClientError): void {
    this.events.emit("error", err);
  }

  private schedulePing(generation: number): void {
    if (this.o.pingIntervalMs === 0) return;
    this.setTimer(
      "ping",
      () => {
        if (!this.isCurrent(generation)) return;
        this.socket?.send(PING_FRAME);
        if (this.timers.pong === undefined)
          this.setTimer(
            "pong",
            () => this.drop(new ClientError("heartbeat_timeout", "no frame after a ping")),
            this.o.pongTimeoutMs,
          );
        this.schedulePing(generation);
      },
      this.o.pingIntervalMs,
    );
  }
}

/** The ack a publish resolves with: the frame's fields but its type and ref. */
function ackOf(frame: AckFrame): PublishAck {
  const { id, delivered } = frame;
  return "ephemeral" in frame ? { id, ephemeral: true, delivered } : { id, seq: frame.seq, delivered };
}
