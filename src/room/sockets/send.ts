// Which socket failures are expected, decided in one place. A peer that left between our check and
// our write is ordinary traffic; any other failure gets a log line and closes only that socket.
import { log } from "../../log.ts";
import { CloseCode } from "../../wire.ts";

/** workerd's answer to a send on a socket that has closed: the peer is gone, there is nothing to do. */
export function isGoneError(err: unknown): boolean {
  return err instanceof TypeError && err.message.includes("after close()");
}

/** Codes an endpoint may send (RFC 6455 §7.4): peers also report 1005/1006/1015, which may not be sent. */
function isSendable(code: number): boolean {
  return (
    code === 1000 || (code >= 1001 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999)
  );
}

/** The code to answer a peer's close with. */
export function replyCode(code: number): number {
  return isSendable(code) ? code : CloseCode.normal;
}

/** Closes a socket (answering a peer's close, or ending it); one already closed needs nothing. */
export function closeQuietly(ws: WebSocket, code: number, reason: string): void {
  if (ws.readyState === WebSocket.CLOSED) return;
  try {
    ws.close(replyCode(code), reason);
  } catch (err) {
    if (!isGoneError(err)) log("close_failed", { code, error: String(err) });
  }
}

/** Writes one frame; false when it was not written. Only that socket suffers a failure. */
export function send(ws: WebSocket, frame: string): boolean {
  try {
    ws.send(frame);
    return true;
  } catch (err) {
    if (isGoneError(err)) return false;
    log("send_failed", { error: String(err) });
    closeQuietly(ws, CloseCode.internalError, "send failed");
    return false;
  }
}

/** Sends one already-encoded frame to each open socket; returns how many were written. */
export function deliver(sockets: Iterable<WebSocket>, frame: string): number {
  let delivered = 0;
  for (const ws of sockets) if (ws.readyState === WebSocket.OPEN && send(ws, frame)) delivered++;
  return delivered;
}
