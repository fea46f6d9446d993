// Real network clients for end-to-end tests: `ws` sockets whose frames are queued as they arrive and
// awaited with a timeout (never a sleep), and HTTP publish over fetch.
import type { IncomingMessage } from "node:http";
import WebSocket, { type ClientOptions } from "ws";
import { type Frame, FrameQueue } from "../../support/frame-queue.ts";

export type { Frame } from "../../support/frame-queue.ts";

// Generous: it only matters when a frame never comes, and a loaded CI box can be slow.
const DEFAULT_WAIT_MS = 10_000;

/** A connected client. Every frame is kept in arrival order until a test takes it. */
export class E2ESocket extends FrameQueue {
  readonly ws: WebSocket;

  constructor(ws: WebSocket) {
    super((text) => ws.send(text), DEFAULT_WAIT_MS);
    this.ws = ws;
    ws.on("message", (data, isBinary) => {
      if (isBinary) this.failed(new Error("the gateway sent a binary frame"));
      else this.received(data.toString());
    });
    ws.on("close", (code, reason) => this.ended(code, reason.toString()));
    ws.on("error", (err) => this.failed(err));
  }

  /** The next `message` frame whose event is `event`. */
  message(event: string, timeoutMs?: number): Promise<Frame> {
    return this.next((f) => f.type === "message" && f.event === event, timeoutMs);
  }

  /** Every `message` frame received before the message with event `marker` (which is taken too). */
  async messagesBefore(marker: string, timeoutMs?: number): Promise<{ marker: Frame; before: Frame[] }> {
    const { frame, before } = await this.takeUntil((f) => f.type === "message" && f.event === marker, timeoutMs);
    return { marker: frame, before: before.filter((f) => f.type === "message") };
  }

  /** Closes and waits for the close handshake; terminates if the server does not answer in time. */
  async close(timeoutMs = 2_000): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000, "bye");
    try {
      await this.waitClosed(timeoutMs);
    } catch {
      // The server did not complete the close handshake in time; drop the TCP connection instead.
      this.ws.terminate();
    }
  }
}

export type ConnectOptions = { headers?: Record<string, string>; protocols?: string[] };

/** What the gateway answered instead of 101. */
export type RejectedUpgrade = { status: number; contentType: string | undefined; body: unknown };

type UpgradeOutcome = { kind: "open"; socket: E2ESocket } | ({ kind: "rejected" } & RejectedUpgrade);

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    res.once("end", () => resolveBody(Buffer.concat(chunks).toString("utf8")));
    res.once("error", reject);
  });
}

/** Attempts an upgrade; resolves once it is open or refused with an HTTP response. */
export function attemptUpgrade(url: string, options: ConnectOptions = {}, timeoutMs = 10_000): Promise<UpgradeOutcome> {
  // workerd holds a hibernated socket's TCP connection ~10 s after a server close sent from outside that
  // socket's own event (kick, expiry, revoke); do not wait ws's default 30 s for it to end.
  // (`closeTimeout` is in ws 8.23 but not yet in @types/ws.)
  const clientOptions: ClientOptions & { closeTimeout: number } = {
    headers: options.headers ?? {},
    handshakeTimeout: timeoutMs,
    closeTimeout: 2_000,
  };
  const ws = new WebSocket(url, options.protocols ?? [], clientOptions);
  // Listeners go on before `open` so no frame (the welcome comes first) can be missed.
  const socket = new E2ESocket(ws);
  return new Promise((resolveOutcome, reject) => {
    ws.once("open", () => resolveOutcome({ kind: "open", socket }));
    ws.once("error", (err) => reject(err));
    ws.once("unexpected-response", (req, res) => {
      readBody(res).then(
        (text) => {
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // Not JSON: the raw text is kept so the assertion shows what came back.
          }
          resolveOutcome({
            kind: "rejected",
            status: res.statusCode ?? 0,
            contentType: res.headers["content-type"],
            body,
          });
          req.destroy();
        },
        (err: unknown) => reject(err),
      );
    });
  });
}

export type Connected = { socket: E2ESocket; welcome: Frame; connectionId: string };

/** Tracks every socket a test file opens so afterEach/afterAll can close what a failure left open. */
export class Clients {
  private readonly open = new Set<E2ESocket>();

  /** Connects and waits for `welcome`; fails with the gateway's answer when the upgrade is refused. */
  async connect(url: string, options: ConnectOptions = {}): Promise<Connected> {
    const outcome = await attemptUpgrade(url, options);
    if (outcome.kind === "rejected")
      throw new Error(`upgrade refused: ${outcome.status} ${JSON.stringify(outcome.body)}`);
    this.open.add(outcome.socket);
    const welcome = await outcome.socket.nextOfType("welcome");
    if (typeof welcome.connectionId !== "string")
      throw new Error(`welcome without a connectionId: ${JSON.stringify(welcome)}`);
    return { socket: outcome.socket, welcome, connectionId: welcome.connectionId };
  }

  /** Expects the upgrade to be refused and returns the gateway's answer. */
  async refused(url: string, options: ConnectOptions = {}): Promise<RejectedUpgrade> {
    const outcome = await attemptUpgrade(url, options);
    if (outcome.kind === "open") {
      this.open.add(outcome.socket);
      throw new Error("expected the upgrade to be refused, but it was accepted");
    }
    const { kind: _, ...rejected } = outcome;
    return rejected;
  }

  async closeAll(): Promise<void> {
    const sockets = [...this.open];
    this.open.clear();
    await Promise.all(sockets.map((s) => s.close()));
  }
}

export type PublishBody = {
  event: string;
  payload: unknown;
  to?: { users?: string[]; connections?: string[] };
  exclude?: { connections?: string[] };
};

export type HttpAnswer = { status: number; body: unknown };

/** POST /v1/rooms/{room}/messages with `Authorization: Bearer <credential>` (or `X-API-Key`). */
export async function publishHttp(
  baseUrl: string,
  room: string,
  credential: string,
  body: PublishBody,
  header: "authorization" | "x-api-key" = "authorization",
): Promise<HttpAnswer> {
  const res = await fetch(`${baseUrl}/v1/rooms/${encodeURIComponent(room)}/messages`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      [header]: header === "authorization" ? `Bearer ${credential}` : credential,
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Kept as text so a failing assertion shows it.
  }
  return { status: res.status, body: parsed };
}

export const freshRoom = (): string => `e2e-${crypto.randomUUID()}`;

export type Accepted = { id: string; seq: number; delivered: number };

/** The 202 answer of a publish, or a failure that shows what came back instead. */
export function accepted(answer: HttpAnswer): Accepted {
  const b = answer.body;
  if (answer.status === 202 && typeof b === "object" && b !== null) {
    const { id, seq, delivered } = b as Partial<Record<keyof Accepted, unknown>>;
    if (typeof id === "string" && typeof seq === "number" && typeof delivered === "number")
      return { id, seq, delivered };
  }
  throw new Error(`expected 202 {id, seq, delivered}, got ${answer.status} ${JSON.stringify(b)}`);
}
