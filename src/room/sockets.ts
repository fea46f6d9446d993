// Sending to many sockets where any one of them may fail.
import { log } from "../log.ts";
import { CloseCode } from "../protocol.ts";

/** Sends one already-encoded frame to each open socket; returns how many sends succeeded. */
export function deliver(sockets: Iterable<WebSocket>, frame: string): number {
  let delivered = 0;
  for (const ws of sockets) {
    if (ws.readyState !== WebSocket.OPEN) continue;
    try {
      ws.send(frame);
      delivered++;
    } catch (err) {
      // A failed send fails only that socket; everyone else still gets the message.
      log("send_failed", { error: String(err) });
      closeQuietly(ws, CloseCode.internalError, "send failed");
    }
  }
  return delivered;
}

/** close() throws on a socket that is already closed; that case is expected and harmless. */
export function closeQuietly(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, reason);
  } catch {
    // already closed
  }
}
