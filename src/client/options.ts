// Client options: defaults, and validation once at construction (a bad option throws there, not
// on the first reconnect an hour later).

import { queryFilterProblem } from "../filter.ts";
import { type FilterSpec, ROOM_PATTERN } from "../wire.ts";
import type { SetTimer } from "./acks.ts";
import { type BackoffOptions, DEFAULT_BACKOFF } from "./backoff.ts";
import { ClientError } from "./errors.ts";
import { DEFAULT_REFRESH, type RefreshPolicy } from "./token.ts";
import { globalWebSocket, type TokenCarrier, type WebSocketConstructorLike } from "./transport.ts";

/** Called on every connect and before the token expires; may return a promise. */
export type TokenProvider = () => string | Promise<string>;

export type ClientOptions = {
  /** The gateway's base URL: `https://gateway.example.com` or `ws://127.0.0.1:8787` (a path prefix is kept). */
  url: string;
  /** Room name: 1–128 of `[A-Za-z0-9_.:-]`. */
  room: string;
  /**
   * The token, or a provider of tokens. With a provider the client asks for a new token on every
   * connect and before expiry, and once more when the gateway refuses a token as expired or
   * revoked. A fixed token is used as it is: its expiry or refusal stops the client (`failed`).
   */
  token: string | TokenProvider;
  /** How the token travels; default `subprotocol` (the only one a browser can use without a query string). */
  carrier?: TokenCarrier;
  /** Receive presence join/leave frames. */
  presence?: boolean;
  /** Let the gateway send several messages in one `batch` frame (they are still emitted one by one). Default true. */
  batch?: boolean;
  /** Receive only these events: names, or `prefix.*` for every event that begins with `prefix.`. */
  events?: string[];
  /** Receive only messages whose tag has one of these values, for every key named. */
  tags?: Record<string, string[]>;
  /** Resume from this seq on the first connect (e.g. one saved by the app); later connects use the last seen seq. */
  since?: number;
  /** A WebSocket class, e.g. `WebSocket` from `ws` in Node (needed for the header carrier; it also reads a proxy's HTTP refusal). */
  WebSocket?: WebSocketConstructorLike;
  backoff?: Partial<BackoffOptions>;
  /** A connection that lasted this long resets the backoff. Default 5 s. */
  stableAfterMs?: number;
  /** No `welcome` within this long: drop the attempt and retry. Default 10 s. */
  connectTimeoutMs?: number;
  /** No `ack` within this long: reject the publish with `ack_timeout`. Also bounds a refresh. Default 10 s. */
  ackTimeoutMs?: number;
  /** Send `ping` this often while connected (0 disables). Default 25 s. */
  pingIntervalMs?: number;
  /** No frame at all within this long after a ping: the connection is dead; reconnect. Default 10 s. */
  pongTimeoutMs?: number;
  /** Publishes held while not connected. Default 100. */
  maxQueue?: number;
  refresh?: Partial<RefreshPolicy>;
  /** Injected for tests: uniform in [0, 1). */
  random?: () => number;
  now?: () => number;
  setTimer?: SetTimer;
};

export type ResolvedOptions = {
  url: string;
  room: string;
  token: TokenProvider;
  /** The app gave a provider: a new token may fix an expired or revoked one. */
  renewable: boolean;
  carrier: TokenCarrier;
  presence: boolean;
  batch: boolean;
  filter: FilterSpec;
  since: number | undefined;
  WebSocket: WebSocketConstructorLike;
  backoff: BackoffOptions;
  stableAfterMs: number;
  connectTimeoutMs: number;
  ackTimeoutMs: number;
  pingIntervalMs: number;
  pongTimeoutMs: number;
  maxQueue: number;
  refresh: RefreshPolicy;
  random: () => number;
  now: () => number;
  setTimer: SetTimer;
};

const defaultSetTimer: SetTimer = (fn, ms) => {
  const handle = setTimeout(fn, ms);
  return () => clearTimeout(handle);
};

function invalid(message: string): ClientError {
  return new ClientError("invalid_options", message);
}

function duration(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < 0) throw invalid(`${name} must be a non-negative number of milliseconds`);
  return v;
}

export function resolveOptions(o: ClientOptions): ResolvedOptions {
  let url: URL;
  try {
    url = new URL(o.url);
  } catch {
    throw invalid(`url is not a URL: ${o.url}`);
  }
  if (!["ws:", "wss:", "http:", "https:"].includes(url.protocol))
    throw invalid("url must be ws:, wss:, http: or https:");
  if (!ROOM_PATTERN.test(o.room)) throw invalid("room must be 1-128 characters of [A-Za-z0-9_.:-]");
  const token = o.token;
  if (typeof token === "string" ? token === "" : typeof token !== "function")
    throw invalid("token must be a token or a function returning a token or a promise of one");
  const carrier = o.carrier ?? "subprotocol";
  if (!["subprotocol", "query", "header"].includes(carrier)) throw invalid(`unknown carrier: ${carrier}`);
  // A global WebSocket (browsers, undici in Node) cannot set request headers.
  if (carrier === "header" && o.WebSocket === undefined)
    throw invalid("the header carrier needs options.WebSocket (ws)");
  const WebSocket = o.WebSocket ?? globalWebSocket();
  if (WebSocket === undefined) throw invalid("no global WebSocket: pass options.WebSocket (e.g. from the ws package)");
  if (o.since !== undefined && !(Number.isSafeInteger(o.since) && o.since >= 0))
    throw invalid("since must be a non-negative integer");
  const filter: FilterSpec = { events: o.events, tags: o.tags };
  const filterProblem = queryFilterProblem(filter);
  if (filterProblem !== undefined) throw invalid(`events/tags: ${filterProblem}`);
  const maxQueue = o.maxQueue ?? 100;
  if (!Number.isInteger(maxQueue) || maxQueue < 0) throw invalid("maxQueue must be a non-negative integer");
  const backoff = { ...DEFAULT_BACKOFF, ...o.backoff };
  duration("backoff.baseMs", backoff.baseMs, 0);
  duration("backoff.maxMs", backoff.maxMs, 0);
  const refresh = { ...DEFAULT_REFRESH, ...o.refresh };
  if (!(refresh.lifetimeFraction > 0 && refresh.lifetimeFraction < 1))
    throw invalid("refresh.lifetimeFraction must be between 0 and 1");
  return {
    url: o.url,
    room: o.room,
    token: typeof token === "string" ? () => token : token,
    renewable: typeof token === "function",
    carrier,
    presence: o.presence ?? false,
    batch: o.batch ?? true,
    filter,
    since: o.since,
    WebSocket,
    backoff,
    stableAfterMs: duration("stableAfterMs", o.stableAfterMs, 5_000),
    connectTimeoutMs: duration("connectTimeoutMs", o.connectTimeoutMs, 10_000),
    ackTimeoutMs: duration("ackTimeoutMs", o.ackTimeoutMs, 10_000),
    pingIntervalMs: duration("pingIntervalMs", o.pingIntervalMs, 25_000),
    pongTimeoutMs: duration("pongTimeoutMs", o.pongTimeoutMs, 10_000),
    maxQueue,
    refresh: {
      leadMs: duration("refresh.leadMs", refresh.leadMs, 0),
      lifetimeFraction: refresh.lifetimeFraction,
      minDelayMs: duration("refresh.minDelayMs", refresh.minDelayMs, 0),
    },
    random: o.random ?? Math.random,
    now: o.now ?? Date.now,
    setTimer: o.setTimer ?? defaultSetTimer,
  };
}
