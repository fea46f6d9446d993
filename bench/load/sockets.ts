// Opening subscriber sockets with bounded concurrency, timing each upgrade.
import WebSocket from "ws";
import { sleep } from "../harness/processes.ts";
import type { RunningTarget } from "../harness/targets.ts";
import type { FrameSink } from "./deliveries.ts";

const CONNECT_TIMEOUT_MS = 20_000;
/** A client's first backoff step before it tries a failed upgrade again. */
const RETRY_PAUSE_MS = 1_000;

/** Sockets closeAll() is ending, whose close is expected. */
const ending = new WeakSet<WebSocket>();

export type Connected = {
  sockets: WebSocket[];
  /** Milliseconds from `new WebSocket` to `open` (the 101 answer), one per socket opened. */
  connectMs: number[];
  /** Every failed attempt's error. */
  failures: string[];
  /** Sockets on which the server accepted permessage-deflate. */
  deflated: number;
  wallMs: number;
};

export const isDeflated = (ws: WebSocket): boolean => ws.extensions.includes("permessage-deflate");

/**
 * Same client options for every target: compression offered or not as its spec says (the server
 * decides), and no UTF-8 validation, which would cost the load generator CPU and measure nothing.
 * The TCP connection is the sink's wire meter's, which counts its bytes.
 */
export function openSocket(
  url: string,
  headers: Record<string, string>,
  sink: FrameSink,
  subscriber: number,
  deflate: boolean,
): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, {
      headers,
      perMessageDeflate: deflate,
      skipUTF8Validation: true,
      handshakeTimeout: CONNECT_TIMEOUT_MS,
      createConnection: sink.wire.connect,
    });
    ws.on("message", (data: Buffer) => sink.onFrame(subscriber, data));
    ws.once("open", () => {
      ws.once("close", (code: number, reason: Buffer) => {
        // closeAll() marks the sockets it ends, so only closes the benchmark did not ask for count.
        if (!ending.has(ws)) sink.onClose(code, reason.toString("utf8"));
      });
      resolve(ws);
    });
    ws.once("unexpected-response", (_req, res) => {
      reject(new Error(`upgrade answered ${res.statusCode}`));
      ws.terminate();
    });
    ws.once("error", reject);
  });
}

/** Subscriber k's connect query (`batch=1`, `events=g2`), or undefined for none. */
export type SubscriberQuery = (k: number) => string | undefined;

/**
 * Opens sockets 0 … count-1 to `room`, at most `concurrency` upgrades at once. A socket whose
 * upgrade fails is tried again, as a client would, after a pause, up to `attempts` times in all.
 */
export async function connectSubscribers(
  target: RunningTarget,
  room: string,
  count: number,
  concurrency: number,
  sink: FrameSink,
  query?: SubscriberQuery,
  attempts = 1,
): Promise<Connected> {
  const sockets: WebSocket[] = [];
  const connectMs: number[] = [];
  const failures: string[] = [];
  let next = 0;
  const started = performance.now();
  const connect = async (k: number) => {
    const url = target.socketUrl(room, query?.(k));
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) await sleep(RETRY_PAUSE_MS);
      const t0 = performance.now();
      try {
        sockets[k] = await openSocket(url, target.socketHeaders(k), sink, k, target.clientDeflate);
        connectMs.push(performance.now() - t0);
        return;
      } catch (err) {
        failures.push(String(err));
      }
    }
  };
  const worker = async () => {
    for (let k = next++; k < count; k = next++) await connect(k);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const open = sockets.filter(Boolean);
  return {
    sockets: open,
    connectMs,
    failures,
    deflated: open.filter(isDeflated).length,
    wallMs: performance.now() - started,
  };
}

export function closeAll(sockets: readonly WebSocket[]): void {
  // terminate(): the server is stopped right after, so no close handshake is worth waiting for.
  for (const ws of sockets) {
    ending.add(ws);
    ws.terminate();
  }
}

/**
 * Closes `ws` with 1000, as a client leaving does, and waits (at most `timeoutMs`, then tears the
 * connection down) for the server's close frame: the server has seen the socket go.
 */
export function closeAndWait(ws: WebSocket, timeoutMs: number): Promise<void> {
  ending.add(ws);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      ws.terminate();
      resolve();
    }, timeoutMs);
    ws.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
    ws.close(1000);
  });
}
