// The socket seen through the narrowest interface both the browser's WebSocket and Node's `ws`
// satisfy, the URL and subprotocols of a connect, and the one Node-only extra: `ws` can show a
// failed upgrade's HTTP status (a proxy's, or an older gateway's), which browsers hide behind close 1006.
import { filterQuery } from "../filter.ts";
import { BEARER_SUBPROTOCOL_PREFIX, type FilterSpec, SINCE_SUBPROTOCOL_PREFIX, SUBPROTOCOL } from "../wire.ts";
import type { Refusal } from "./codes.ts";

export type SocketMessageEvent = { data: unknown };
export type SocketCloseEvent = { code: number; reason: string };

// Method syntax on purpose: parameters are then compared bivariantly, so the DOM/workerd
// WebSocket and `ws` (whose listener types are richer) are both assignable.
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "open", listener: () => void): void;
  addEventListener(type: "message", listener: (event: SocketMessageEvent) => void): void;
  addEventListener(type: "close", listener: (event: SocketCloseEvent) => void): void;
  addEventListener(type: "error", listener: (event: unknown) => void): void;
}

/** `ws` takes `{ headers }` as the third argument; browsers ignore it (it is only passed for the header carrier). */
export type WebSocketConstructorLike = new (
  url: string,
  protocols: string[],
  options?: { headers: Record<string, string> },
) => WebSocketLike;

export const OPEN = 1;

/** `subprotocol` (default; works in browsers), `query` (`?access_token=`), `header` (Node `ws` only). */
export type TokenCarrier = "subprotocol" | "query" | "header";

export type ConnectTarget = {
  url: string;
  room: string;
  token: string;
  carrier: TokenCarrier;
  since: number | undefined;
  presence: boolean;
  /** Accept `batch` frames. */
  batch: boolean;
  filter: FilterSpec;
};

export type ConnectRequest = { url: string; protocols: string[]; headers?: Record<string, string> };

/**
 * `GET {url}/v1/rooms/{room}/ws`. `broadcast.v1` is always offered; the resume point travels with
 * the token: `since.<seq>` beside `bearer.<jwt>` in the subprotocol list, else `?since=`.
 */
export function connectRequest(t: ConnectTarget): ConnectRequest {
  const url = new URL(t.url);
  if (url.protocol === "http:") url.protocol = "ws:";
  else if (url.protocol === "https:") url.protocol = "wss:";
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/v1/rooms/${encodeURIComponent(t.room)}/ws`;
  url.search = "";
  url.hash = "";
  const protocols = [SUBPROTOCOL];
  if (t.carrier === "subprotocol") {
    protocols.push(`${BEARER_SUBPROTOCOL_PREFIX}${t.token}`);
    if (t.since !== undefined) protocols.push(`${SINCE_SUBPROTOCOL_PREFIX}${t.since}`);
  } else {
    if (t.carrier === "query") url.searchParams.set("access_token", t.token);
    if (t.since !== undefined) url.searchParams.set("since", String(t.since));
  }
  if (t.presence) url.searchParams.set("presence", "1");
  if (t.batch) url.searchParams.set("batch", "1");
  const { events, tags } = filterQuery(t.filter);
  if (events !== undefined) url.searchParams.set("events", events);
  if (tags !== undefined) url.searchParams.set("tags", tags);
  const request: ConnectRequest = { url: url.toString(), protocols };
  if (t.carrier === "header") request.headers = { authorization: `Bearer ${t.token}` };
  return request;
}

/** The global WebSocket (browsers, Node >= 22, workerd), if there is one. */
export function globalWebSocket(): WebSocketConstructorLike | undefined {
  const ctor: unknown = Reflect.get(globalThis, "WebSocket");
  // Any global WebSocket class has the shape above; it is only read, never constructed with headers.
  return typeof ctor === "function" ? (ctor as WebSocketConstructorLike) : undefined;
}

type NodeResponse = {
  statusCode: number;
  headers: Record<string, unknown>;
  on(event: string, listener: (chunk?: unknown) => void): unknown;
};

function isNodeResponse(v: unknown): v is NodeResponse {
  if (typeof v !== "object" || v === null) return false;
  const r = v as Record<string, unknown>;
  return typeof r.statusCode === "number" && typeof r.on === "function" && typeof r.headers === "object";
}

const MAX_ERROR_BODY = 4096;
const BODY_WAIT_MS = 2_000;

/** `{"error":{"code","message"}}` from a gateway error body, if it is one. */
export function errorOfBody(body: string): { code: string; message?: string } | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    const error: unknown = typeof parsed === "object" && parsed !== null ? Reflect.get(parsed, "error") : undefined;
    const code: unknown = typeof error === "object" && error !== null ? Reflect.get(error, "code") : undefined;
    const message: unknown = typeof error === "object" && error !== null ? Reflect.get(error, "message") : undefined;
    if (typeof code !== "string") return undefined;
    return typeof message === "string" ? { code, message } : { code };
  } catch {
    // Not JSON (a proxy's HTML page): the status alone decides.
    return undefined;
  }
}

/** `Retry-After` in seconds (the gateway never sends the HTTP-date form) as milliseconds. */
export function retryAfterMs(header: unknown): number | undefined {
  const text = Array.isArray(header) ? header[0] : header;
  if (typeof text !== "string" || !/^\d{1,6}$/.test(text.trim())) return undefined;
  return Number(text.trim()) * 1000;
}

/**
 * Gateways that answer a refusal with 101 and a close code (PROTOCOL.md) never get here; older
 * gateways and proxies answer with HTTP. With `ws`, listening for 'unexpected-response' exposes a refused upgrade's status and error
 * body; the handler must then abort the handshake itself, which `ws.close()` does while
 * CONNECTING (it emits 'error' and close 1006 next, after `onFailure` has run). Other WebSocket
 * implementations have no `on` method and are left alone.
 */
export function watchUpgradeFailure(socket: WebSocketLike, onFailure: (r: Refusal) => void): void {
  const on: unknown = Reflect.get(socket, "on");
  if (typeof on !== "function") return;
  on.call(socket, "unexpected-response", (_request: unknown, response: unknown) => {
    if (!isNodeResponse(response)) {
      socket.close();
      return;
    }
    let body = "";
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const wait = retryAfterMs(response.headers["retry-after"]);
      onFailure({
        status: response.statusCode,
        ...errorOfBody(body),
        ...(wait === undefined ? {} : { retryAfterMs: wait }),
      });
      socket.close();
    };
    // A body that never ends must not hold the attempt open: decide on the status alone.
    const timer = setTimeout(finish, BODY_WAIT_MS);
    response.on("data", (chunk) => {
      if (body.length < MAX_ERROR_BODY) body += String(chunk);
    });
    response.on("end", finish);
    response.on("error", finish);
  });
}
