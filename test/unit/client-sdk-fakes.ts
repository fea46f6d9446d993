// Fakes for the client SDK's unit tests: a manual clock with timers, and a WebSocket the test
// drives frame by frame. No network, no real time.
import type { WebSocketLike } from "../../src/client/transport.ts";
import { SocketListeners } from "../support/socket-listeners.ts";

/** Lets pending promise callbacks (an async token provider, for instance) run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

type Timer = { at: number; fn: () => void; id: number };

export class FakeClock {
  nowMs: number;
  private timers: Timer[] = [];
  private nextId = 0;

  constructor(start = 1_700_000_000_000) {
    this.nowMs = start;
  }

  readonly now = (): number => this.nowMs;

  readonly setTimer = (fn: () => void, ms: number): (() => void) => {
    const timer = { at: this.nowMs + ms, fn, id: this.nextId++ };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  };

  get pending(): number {
    return this.timers.length;
  }

  /** Delay of the earliest pending timer, if any. */
  nextDelay(): number | undefined {
    const next = this.sorted()[0];
    return next === undefined ? undefined : next.at - this.nowMs;
  }

  private sorted(): Timer[] {
    return [...this.timers].sort((a, b) => a.at - b.at || a.id - b.id);
  }

  /** Moves time forward, running every timer that falls due, in order, letting promises settle between them. */
  async advance(ms: number): Promise<void> {
    const end = this.nowMs + ms;
    for (;;) {
      await flush();
      const next = this.sorted()[0];
      if (next === undefined || next.at > end) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.nowMs = next.at;
      next.fn();
    }
    this.nowMs = end;
    await flush();
  }
}

/** A socket whose server side is the test. Every instance is recorded in `FakeSocket.all`. */
export class FakeSocket extends SocketListeners implements WebSocketLike {
  static all: FakeSocket[] = [];
  readonly url: string;
  readonly protocols: string[];
  readonly headers: Record<string, string> | undefined;
  readyState = 0;
  readonly sent: string[] = [];
  closedByClient: { code?: number; reason?: string } | undefined;

  constructor(url: string, protocols: string[], options?: { headers: Record<string, string> }) {
    super();
    this.url = url;
    this.protocols = protocols;
    this.headers = options?.headers;
    FakeSocket.all.push(this);
  }

  static reset(): void {
    FakeSocket.all = [];
  }

  static last(): FakeSocket {
    const s = FakeSocket.all.at(-1);
    if (s === undefined) throw new Error("no socket was created");
    return s;
  }

  send(data: string): void {
    this.sent.push(data);
  }

  close(code?: number, reason?: string): void {
    this.closedByClient = { code, reason };
    this.readyState = 3;
  }

  /** Frames the client sent, parsed. */
  sentFrames(): Record<string, unknown>[] {
    return this.sent.map((s) => JSON.parse(s) as Record<string, unknown>);
  }

  // Server side.
  open(): void {
    this.readyState = 1;
    this.emit("open", undefined);
  }

  receive(frame: unknown): void {
    const data = typeof frame === "string" ? frame : JSON.stringify(frame);
    this.emit("message", { data });
  }

  welcome(seq: number, extra: Record<string, unknown> = {}): void {
    if (this.readyState === 0) this.open();
    this.receive({
      type: "welcome",
      connectionId: `c${FakeSocket.all.length}`,
      room: "lobby",
      user: "alice",
      seq,
      ...extra,
    });
  }

  message(seq: number, payload: unknown = seq): void {
    this.receive(messageFrame(seq, payload));
  }

  /** One `batch` frame holding these messages, in this order. */
  batch(seqs: number[]): void {
    this.receive({ type: "batch", messages: seqs.map((seq) => messageFrame(seq, seq)) });
  }

  /** An 'error' event alone, as Node's built-in WebSocket reports a refused upgrade (no 'close' follows). */
  errorEvent(message = "Received network error or non-101 status code."): void {
    this.emit("error", new Error(message));
  }

  /**
   * The gateway refuses the connect as PROTOCOL.md says: it accepts (101), sends one `error` frame
   * (`extra` may add `retryAfter`) and closes with 4000 + the HTTP status and the code as reason.
   */
  refuseOpen(status: number, code: string, extra: Record<string, unknown> = {}): void {
    this.open();
    this.receive({ type: "error", code, message: `refused: ${code}`, ...extra });
    this.serverClose(4000 + status, code);
  }

  serverClose(code: number, reason = ""): void {
    this.readyState = 3;
    if (code === 1006) this.emit("error", new Error("connection dropped"));
    this.emit("close", { code, reason });
  }
}

export function messageFrame(seq: number, payload: unknown = seq) {
  return {
    type: "message",
    id: `m${seq}`,
    seq,
    room: "lobby",
    event: "note",
    payload,
    sender: { kind: "api_key", id: "k1" },
    ts: 1,
  };
}

/** A `ws`-like socket: has `on('unexpected-response')`, which the client uses to read a refused upgrade. */
export class FakeNodeSocket extends FakeSocket {
  private unexpected: ((req: unknown, res: unknown) => void) | undefined;

  on(event: string, listener: (req: unknown, res: unknown) => void): this {
    if (event === "unexpected-response") this.unexpected = listener;
    return this;
  }

  override close(code?: number, reason?: string): void {
    const wasConnecting = this.readyState === 0;
    super.close(code, reason);
    // Like `ws`: closing while CONNECTING aborts the handshake and reports close 1006.
    if (wasConnecting) queueMicrotask(() => this.serverClose(1006));
  }

  /** The gateway answers the upgrade with an HTTP error instead of 101. */
  refuse(status: number, body: unknown, headers: Record<string, string> = {}): void {
    const handlers: Record<string, ((chunk?: unknown) => void)[]> = {};
    const res = {
      statusCode: status,
      headers,
      on(event: string, fn: (chunk?: unknown) => void) {
        handlers[event] = [...(handlers[event] ?? []), fn];
        return res;
      },
    };
    this.unexpected?.({}, res);
    for (const fn of handlers.data ?? []) fn(JSON.stringify(body));
    for (const fn of handlers.end ?? []) fn();
  }
}

/** An unsigned JWT-shaped token whose payload carries these claims. */
export function fakeJwt(claims: Record<string, unknown>): string {
  const b64 = (v: unknown) => {
    const bytes = new TextEncoder().encode(JSON.stringify(v));
    return btoa(String.fromCharCode(...bytes))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
  };
  return `${b64({ alg: "HS256", typ: "JWT" })}.${b64(claims)}.c2lnbmF0dXJl`;
}
