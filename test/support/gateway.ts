// Drives the Worker in-process (inside workerd) and reads its sockets with timeouts, never sleeps.
import { env, exports } from "cloudflare:workers";
import { roomStub } from "../../src/room/client.ts";
import { type Frame, FrameQueue } from "./frame-queue.ts";
import { apiKey, signToken } from "./tokens.ts";

const BASE = "https://gateway.test";

export function request(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(`${BASE}${path}`, init));
}

export function publishHttp(room: string, credential: string, body: unknown, header = "authorization") {
  return request(`/v1/rooms/${room}/messages`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      [header]: header === "authorization" ? `Bearer ${credential}` : credential,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/**
 * Publishes `n` messages over HTTP, payloads 0 … n−1, one after the other (with the `pubacme` API key
 * unless told), fails unless each is answered 202, and resolves with their seqs.
 */
export async function publishN(
  room: string,
  n: number,
  {
    credential = apiKey("pubacme"),
    event = "e",
  }: { credential?: string; event?: string | ((i: number) => string) } = {},
): Promise<number[]> {
  const seqs: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await publishHttp(room, credential, {
      event: typeof event === "string" ? event : event(i),
      payload: i,
    });
    if (res.status !== 202) throw new Error(`publish ${i} of ${n} answered ${res.status}: ${await res.text()}`);
    seqs.push(((await res.json()) as { seq: number }).seq);
  }
  return seqs;
}

/** A JSON POST with a Bearer credential and extra headers (an Idempotency-Key, say). */
export function postJson(path: string, credential: string, body: unknown, headers: Record<string, string> = {}) {
  return request(path, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${credential}`, ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/**
 * The Worker's first request in a test file pays for loading its modules (seconds on a busy machine);
 * `beforeAll(warmUp, WARM_UP_MS)` keeps that out of the first test's timeout.
 */
export async function warmUp(): Promise<void> {
  const res = await request("/health");
  if (res.status !== 200) throw new Error(`gateway is not healthy: ${res.status} ${await res.text()}`);
}
export const WARM_UP_MS = 60_000;

export type { Frame } from "./frame-queue.ts";

/** A connected test client inside workerd; waits default to 2 s. */
export class TestSocket extends FrameQueue {
  readonly ws: WebSocket;

  constructor(ws: WebSocket) {
    super((text) => ws.send(text), 2000);
    this.ws = ws;
    ws.accept();
    ws.addEventListener("message", (e) => {
      if (typeof e.data === "string") this.received(e.data);
      else this.failed(new Error("the gateway sent a binary frame"));
    });
    ws.addEventListener("close", (e) => this.ended(e.code, e.reason));
    ws.addEventListener("error", (e) => this.failed(new Error(`socket error: ${e.message}`)));
  }

  close(): void {
    this.ws.close(1000, "bye");
  }
}

export async function upgrade(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return request(path, { headers: { upgrade: "websocket", ...headers } });
}

/** Connects with a Bearer token and waits for `welcome`. */
export async function connect(
  room: string,
  token: string,
  query = "",
): Promise<{ socket: TestSocket; welcome: Frame }> {
  const res = await upgrade(`/v1/rooms/${room}/ws${query}`, { authorization: `Bearer ${token}` });
  if (res.webSocket === null) throw new Error(`upgrade failed: ${res.status} ${await res.text()}`);
  const socket = new TestSocket(res.webSocket);
  return { socket, welcome: await socket.nextOfType("welcome") };
}

/** A connected member: its socket, its sub and the connection id its welcome named. */
export type Member = { socket: TestSocket; sub: string; connectionId: string };

/** Connects `sub` (scope `subscribe publish` unless told) and waits for its welcome. */
export async function join(
  room: string,
  sub: string,
  { tenant = "acme", scope = "subscribe publish" }: { tenant?: string; scope?: string } = {},
): Promise<Member> {
  const { socket, welcome } = await connect(room, await signToken({ sub, tenant, scope }));
  return { socket, sub, connectionId: String(welcome.connectionId) };
}

export const freshRoom = () => `room-${crypto.randomUUID()}`;

/** The object a room is created on (its coordinator when sharded), as the Worker reaches it. */
export const roomStubOf = (room: string, tenant = "acme") => roomStub(env, tenant, room);

/** Status, error code and Retry-After of a JSON error response (`{"error":{"code","message"}}`). */
export async function errorOf(res: Response): Promise<{ status: number; code: string; retryAfter: string | null }> {
  const text = await res.text();
  let code = `<not an error body: ${text.slice(0, 200)}>`;
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown } };
    if (typeof body.error?.code === "string") code = body.error.code;
  } catch {
    // leave the placeholder: the assertion on `code` then shows what came back
  }
  return { status: res.status, code, retryAfter: res.headers.get("retry-after") };
}

/**
 * What an upgrade (or any request) came to, as its client meets it: `101 welcome`; an HTTP error;
 * or, when the client offered `broadcast.v1`, a refusal delivered in the socket (one `error` frame,
 * then close 4000 + the HTTP status: PROTOCOL.md, "Refused upgrades"), read back as the same
 * status, code and Retry-After.
 */
export async function upgradeOutcome(
  res: Response,
): Promise<{ status: number; code: string; retryAfter: string | null }> {
  if (res.webSocket === null) return errorOf(res);
  const socket = new TestSocket(res.webSocket);
  const first = await socket.next().catch(() => undefined);
  if (first?.type === "welcome") {
    socket.close();
    return { status: 101, code: "welcome", retryAfter: null };
  }
  const closed = await socket.waitClosed().catch(() => undefined);
  if (first?.type !== "error" || closed === undefined || closed.code < 4400 || closed.reason !== first.code)
    return { status: res.status, code: `<${JSON.stringify(first)} then ${JSON.stringify(closed)}>`, retryAfter: null };
  const retryAfter = first.retryAfter === undefined ? null : String(first.retryAfter);
  return { status: closed.code - 4000, code: closed.reason, retryAfter };
}

/** The next `message` frame. Messages arrive in seq order, so this also proves none came before it. */
export function nextMessage(socket: TestSocket, timeoutMs?: number): Promise<Frame> {
  return socket.nextOfType("message", timeoutMs);
}

/** What an RPC call was refused with (`"answered"` when it was not); no rejection is left unobserved. */
export const refusal = (call: Promise<unknown>): Promise<string> =>
  call.then(
    () => "answered",
    (err: unknown) => String(err),
  );
