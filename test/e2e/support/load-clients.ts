// Lightweight `ws` clients for the load tests: thousands of them, so each keeps only what the
// checks need (message seqs, receive times, presence and error frames), not every frame.
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import { waitFor } from "../../support/wait.ts";

export type Delivery = { seq: number; event: string; sentAt: number | undefined; receivedAt: number };
export type PresenceEvent = { action: "join" | "leave"; user: string; connectionId: string };

const HANDSHAKE_TIMEOUT_MS = 30_000;
const POLL_MS = 25;

/** The server frames these tests read, checked field by field (never trusted by a cast). */
type LoadFrame =
  | { type: "welcome"; connectionId: string; seq: number }
  | { type: "message"; seq: number; event: string; payload: unknown }
  | { type: "presence"; event: PresenceEvent }
  | { type: "error"; code: string }
  | { type: "other"; name: string };

function readFrame(text: string): LoadFrame {
  const v: unknown = JSON.parse(text);
  if (typeof v !== "object" || v === null) throw new Error(`not a JSON object: ${text.slice(0, 200)}`);
  const f = v as Record<string, unknown>;
  const bad = () => new Error(`malformed ${String(f.type)} frame: ${text.slice(0, 200)}`);
  switch (f.type) {
    case "welcome":
      if (typeof f.connectionId !== "string" || typeof f.seq !== "number") throw bad();
      return { type: "welcome", connectionId: f.connectionId, seq: f.seq };
    case "message":
      if (typeof f.seq !== "number" || typeof f.event !== "string") throw bad();
      return { type: "message", seq: f.seq, event: f.event, payload: f.payload };
    case "presence":
      if (
        (f.action !== "join" && f.action !== "leave") ||
        typeof f.user !== "string" ||
        typeof f.connectionId !== "string"
      )
        throw bad();
      return { type: "presence", event: { action: f.action, user: f.user, connectionId: f.connectionId } };
    case "error":
      if (typeof f.code !== "string") throw bad();
      return { type: "error", code: f.code };
    default:
      return { type: "other", name: String(f.type) };
  }
}

/** `payload.sentAt` (performance.now() of this process when the publish left), if present. */
function sentAtOf(payload: unknown): number | undefined {
  if (typeof payload !== "object" || payload === null) return undefined;
  const t = (payload as { sentAt?: unknown }).sentAt;
  return typeof t === "number" ? t : undefined;
}

export class LoadSocket {
  readonly ws: WebSocket;
  readonly sub: string;
  connectionId = "";
  /** Characters of text frames received (≈ bytes: the frames are ASCII JSON), for the stalled-consumer figures. */
  bytes = 0;
  readonly deliveries: Delivery[] = [];
  readonly presence: PresenceEvent[] = [];
  readonly errorCodes: string[] = [];
  /** Frames that did not parse or had an unexpected shape: a test fails on any. */
  readonly problems: string[] = [];
  closed: { code: number; reason: string } | undefined;
  /** The client side's TCP port, to find this connection in /proc/net/tcp. */
  localPort: number | undefined;
  private readonly welcomed: Promise<void>;

  constructor(url: string, sub: string, headers: Record<string, string>) {
    this.sub = sub;
    // No compression: it would cost CPU on both sides and measure nothing about the gateway.
    this.ws = new WebSocket(url, { headers, perMessageDeflate: false, handshakeTimeout: HANDSHAKE_TIMEOUT_MS });
    this.ws.on("upgrade", (res) => {
      this.localPort = res.socket.localPort;
    });
    this.welcomed = new Promise((resolveWelcome, reject) => {
      this.ws.on("message", (data, isBinary) => {
        const receivedAt = performance.now();
        const text = data.toString();
        this.bytes += text.length;
        if (isBinary) {
          this.problems.push("binary frame");
          return;
        }
        let frame: LoadFrame;
        try {
          frame = readFrame(text);
        } catch (err) {
          this.problems.push(String(err));
          return;
        }
        if (frame.type === "welcome") {
          this.connectionId = frame.connectionId;
          resolveWelcome();
        } else if (frame.type === "message")
          this.deliveries.push({ seq: frame.seq, event: frame.event, sentAt: sentAtOf(frame.payload), receivedAt });
        else if (frame.type === "presence") this.presence.push(frame.event);
        else if (frame.type === "error") this.errorCodes.push(frame.code);
        else if (frame.name !== "pong") this.problems.push(`unexpected frame ${frame.name}`);
      });
      this.ws.once("unexpected-response", (req, res) => {
        reject(new Error(`${sub}: upgrade answered ${res.statusCode}`));
        req.destroy();
      });
      this.ws.once("error", (err) => reject(new Error(`${sub}: ${err.message}`)));
      this.ws.once("close", (code, reason) => {
        this.closed = { code, reason: reason.toString() };
        reject(new Error(`${sub}: closed ${code} before the welcome`));
      });
    });
    // A later error (e.g. ECONNRESET while stalled) must not become an unhandled event.
    this.ws.on("error", () => {});
    this.welcomed.catch(() => {});
  }

  /** Resolves once the gateway's `welcome` arrived. */
  ready(): Promise<void> {
    return this.welcomed;
  }

  /** Seqs of the messages with this event, in arrival order. */
  seqs(event: string): number[] {
    const out: number[] = [];
    for (const d of this.deliveries) if (d.event === event) out.push(d.seq);
    return out;
  }
}

/** Polls `done` every 25 ms until it holds; fails naming `what` after `timeoutMs`. Resolves with the time waited. */
export const waitUntil = (what: string, done: () => boolean, timeoutMs: number): Promise<number> =>
  waitFor(what, done, timeoutMs, POLL_MS);

export type OpenResult = { sockets: LoadSocket[]; failures: string[]; wallMs: number };

/**
 * Opens one socket per sub, at most `concurrency` handshakes at once, each waited to its welcome.
 * Every socket created is returned through `track` first, so a failing test can still close it.
 */
export async function openSockets(
  url: string,
  subs: readonly { sub: string; token: string }[],
  concurrency: number,
  track: (s: LoadSocket) => void,
): Promise<OpenResult> {
  const sockets: LoadSocket[] = [];
  const failures: string[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (let k = next++; k < subs.length; k = next++) {
      const entry = subs[k];
      if (entry === undefined) continue;
      const s = new LoadSocket(url, entry.sub, { authorization: `Bearer ${entry.token}` });
      track(s);
      try {
        await s.ready();
        sockets.push(s);
      } catch (err) {
        failures.push(String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, subs.length) }, worker));
  return { sockets, failures, wallMs: performance.now() - started };
}

/** Ends every socket without a handshake (cleanup after the checks, or after a failure). */
export function terminateAll(sockets: Iterable<LoadSocket>): void {
  for (const s of sockets) s.ws.terminate();
}
