// The Worker's half of the live tap (GET /v1/admin/rooms/{room}/tap): what the room sends on its
// tap socket, re-framed as server-sent events for the admin's fetch. Server-sent events because
// the admin key must travel in the Authorization header: browsers cannot set headers on a
// WebSocket or an EventSource, and a key in a URL ends up in logs and histories. The room's side
// is a hibernatable socket tagged for the tap, so an idle room still sleeps while tapped.
//
// Events: `ready` ({"room","seq"}) first, `message` (id = seq; the message frame as published,
// with `to`/`exclude` when targeted) for each message, a `: keep-alive` comment every
// TAP_KEEPALIVE_MS, and `end` ({"reason"}) when the gateway ends the tap (after TAP_MAX_MS, or
// when the room closes it); the client opens it again.

export const TAP_KEEPALIVE_MS = 15_000;
/** A tap is ended after this long; reopening is cheap, and a forgotten tab does not hold a stream for ever. */
export const TAP_MAX_MS = 15 * 60_000;

/** One event; data lines split on newlines as the format requires (JSON from the room has none). */
export function sseEvent(event: string, data: string, id?: number): string {
  const lines = data.split(/\r\n|\r|\n/).map((l) => `data: ${l}\n`);
  return `event: ${event}\n${id === undefined ? "" : `id: ${id}\n`}${lines.join("")}\n`;
}

export type TapTimers = { keepAliveMs: number; maxMs: number };

/** The room's tap frames: the first is `{"type":"ready",…}`, then one message frame each. */
function eventOf(text: string): string {
  let frame: { type?: unknown; seq?: unknown } = {};
  try {
    frame = JSON.parse(text) as typeof frame;
  } catch {
    // A frame that is not JSON is passed on as a message event; the dashboard skips it.
  }
  if (frame.type === "ready") return sseEvent("ready", text);
  return sseEvent("message", text, typeof frame.seq === "number" ? frame.seq : undefined);
}

/**
 * The SSE body for an accepted tap socket: every frame it brings, keep-alives between, and an
 * `end` event when the socket closes or the tap has run `maxMs`. Cancelling the body (the admin
 * went away) closes the socket, which releases the room's end.
 */
export function tapBody(socket: WebSocket, timers: TapTimers = { keepAliveMs: TAP_KEEPALIVE_MS, maxMs: TAP_MAX_MS }) {
  const encoder = new TextEncoder();
  /** Ends the tap once: with an `end` event, unless the reader is gone (then there is no one to tell). */
  let stop: (reason: string | undefined) => void = () => {};
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (text: string) => controller.enqueue(encoder.encode(text));
      const keepAlive = setInterval(() => send(": keep-alive\n\n"), timers.keepAliveMs);
      const deadline = setTimeout(() => stop("the tap ran its longest; open it again"), timers.maxMs);
      let open = true;
      stop = (reason) => {
        if (!open) return;
        open = false;
        clearInterval(keepAlive);
        clearTimeout(deadline);
        if (reason !== undefined) {
          send(sseEvent("end", JSON.stringify({ reason })));
          controller.close();
        }
        socket.close(1000, "tap ended");
      };
      socket.addEventListener("message", (e) => {
        if (open) send(eventOf(typeof e.data === "string" ? e.data : ""));
      });
      socket.addEventListener("close", () => stop("the room closed the tap"));
      socket.addEventListener("error", () => stop("the room's tap failed"));
    },
    cancel() {
      stop(undefined);
    },
  });
}

export const TAP_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-store",
  // Proxies that buffer responses would hold events back.
  "x-accel-buffering": "no",
} as const;
