// The room's half of the live tap (GET /v1/admin/rooms/{room}/tap; the Worker's half, which turns
// the socket into server-sent events, is src/usage/tap-stream.ts). A tap is a hibernatable socket
// tagged `tap` in the room's own object, where every message is numbered (the coordinator when the
// room is sharded), fed each message as it is published: targeted and ephemeral ones included.
// A tap is no client: the socket registry leaves tap sockets out, so they count nowhere (presence,
// caps, the tenant's connections, usage, occupied/vacated), and nothing a tap sends is read.
import { errorResponse, GatewayError } from "../errors.ts";
import { roomSchema } from "../protocol.ts";
import type { Exclude, Target } from "../wire.ts";
import { closeQuietly, send } from "./sockets/send.ts";

export const TAP_TAG = "tap";
/** A few admins' tabs; every tap is fed every message, so a room feeds only so many. */
export const MAX_TAPS_PER_ROOM = 8;

/** The upgrade the Worker sends the room's own object for a tap (see client.ts `openTap`). */
export const tapUrl = (room: string) => `https://room/tap?room=${encodeURIComponent(room)}`;

/** The room a tap upgrade names; undefined for any other request (a client's connect). */
export function tappedRoom(request: Request): string | undefined {
  const url = new URL(request.url);
  if (url.pathname !== "/tap") return undefined;
  const room = roomSchema.safeParse(url.searchParams.get("room"));
  if (!room.success) throw new Error("a tap upgrade without a valid room name");
  return room.data;
}

/** A message as the publisher stamped it: its frame, and who it was for when targeted. */
export type Tapped = { frame: string; to?: Target | undefined; exclude?: Exclude | undefined };

/** The frame as published, with `to`/`exclude` spliced in when targeted (clients never see those). */
export function tapFrame(m: Tapped): string {
  const extra: string[] = [];
  if (m.to !== undefined) extra.push(`"to":${JSON.stringify(m.to)}`);
  if (m.exclude !== undefined) extra.push(`"exclude":${JSON.stringify(m.exclude)}`);
  return extra.length === 0 ? m.frame : `${m.frame.slice(0, -1)},${extra.join(",")}}`;
}

export class Taps {
  private readonly ctx: DurableObjectState;
  /** Read from the runtime once per object life (taps outlive a hibernation), then kept. */
  private held: Set<WebSocket> | undefined;

  constructor(ctx: DurableObjectState) {
    this.ctx = ctx;
  }

  /** Every tap socket of this object, closing ones included until their close is reported. */
  get sockets(): ReadonlySet<WebSocket> {
    return this.own();
  }

  /** Accepts a tap (the Worker's upgrade, for an admin of the room's tenant) and sends it `ready`. */
  open(room: string, seq: number): Response {
    const taps = this.own();
    if (taps.size >= MAX_TAPS_PER_ROOM)
      return errorResponse(
        new GatewayError("too_many_connections", `a room feeds at most ${MAX_TAPS_PER_ROOM} live taps at once`),
      );
    const { 0: worker, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [TAP_TAG]);
    taps.add(server);
    send(server, JSON.stringify({ type: "ready", room, seq }));
    return new Response(null, { status: 101, webSocket: worker });
  }

  /** Published messages, in seq order, to every open tap; nothing to do (no allocation) when none is open. */
  feed(messages: readonly Tapped[]): void {
    const taps = this.own();
    if (taps.size === 0) return;
    const frames = messages.map(tapFrame);
    for (const ws of taps) {
      if (ws.readyState !== WebSocket.OPEN) continue;
      for (const frame of frames) if (!send(ws, frame)) break;
    }
  }

  /** A tap socket closed or failed: the admin went away, or the Worker ended the stream. */
  left(ws: WebSocket, code: number, reason: string): void {
    this.own().delete(ws);
    closeQuietly(ws, code, reason);
  }

  private own(): Set<WebSocket> {
    this.held ??= new Set(this.ctx.getWebSockets(TAP_TAG));
    return this.held;
  }
}
