// GET /v1/admin/rooms/{room}/tap: the room's tap socket (src/room/tap.ts) as server-sent events
// (tap-stream.ts), for the tenant's admin key.
import { MAX_TAPS_PER_ROOM, openTap } from "../room/client.ts";
import { roomParam } from "../routes/params.ts";
import { defineRoute } from "../routes/route.ts";
import { admin } from "./series-routes.ts";
import { TAP_HEADERS, TAP_MAX_MS, tapBody } from "./tap-stream.ts";

export const TAP_ROUTE = defineRoute({
  method: "get",
  path: "/v1/admin/rooms/{room}/tap",
  operationId: "tapRoom",
  summary: "Every message of a room as it is published, targeted ones included, as server-sent events",
  description:
    'Events: `ready` (`{"type":"ready","room","seq"}`, the last seq before the tap), then one ' +
    "`message` per message in publish order (its frame as clients get it, `id` = seq; a targeted one adds " +
    "`to`/`exclude`; an ephemeral one has no seq), `: keep-alive` comments while quiet, and `end` " +
    `(\`{"reason"}\`) when the gateway ends the tap (after ${TAP_MAX_MS / 60_000} minutes, or a deploy): open it ` +
    "again. A tap is not a connection: it is in no count, presence, limit or webhook. A room feeds at most " +
    `${MAX_TAPS_PER_ROOM} taps at once. Read it with fetch (the key in the Authorization header), not EventSource.`,
  tag: "admin",
  action: "tap",
  params: { room: roomParam },
  access: admin,
  success: {
    status: "200",
    description: "The tap, open until the reader goes away or an `end` event",
    events: "`ready`, then `message` events (data: the message frame), keep-alive comments, `end`",
  },
  errors: ["too_many_connections"],
  handle: async (c) => {
    const res = await openTap(c.env, c.get("principal").tenant, c.get("room"));
    const socket = res.webSocket;
    // No socket: the room's refusal, already a JSON error.
    if (socket === null) return res;
    socket.accept();
    return new Response(tapBody(socket), { headers: TAP_HEADERS });
  },
});
