// The usage routes of the route table (src/routes/table.ts): the tenant's series, its rooms list
// and a room's live tap, for its admin key.
import { roomsQuerySchema, usageQuerySchema } from "../protocol.ts";
import { openTap } from "../room/client.ts";
import { MAX_TAPS_PER_ROOM } from "../room/tap.ts";
import { credential } from "../routes/access.ts";
import { roomParam } from "../routes/params.ts";
import { defineRoute } from "../routes/route.ts";
import { roomsAnswer, usageAnswer } from "./answers.ts";
import { RoomsPage, UsageSeries } from "./openapi.ts";
import { emptyCounts } from "./series.ts";
import { TAP_HEADERS, TAP_MAX_MS, tapBody } from "./tap-stream.ts";

const admin = credential({ api_key: ["admin"] }, "API_LIMITER");

const minute = (n: number) => new Date(Date.UTC(2026, 11, 1, 10, n)).toISOString();
const zeroCounts = emptyCounts();

export const USAGE_ROUTES = [
  defineRoute({
    method: "get",
    path: "/v1/admin/usage",
    operationId: "usage",
    summary: "The tenant's usage as a time series, per minute (48 h kept) or per hour (90 days kept)",
    description:
      "Every bucket from `from` (rounded down) to `to` (rounded up) is present, empty ones with zeros. " +
      "Without `to`: now; without `from`: an hour (minutes) or a week (hours) before `to`. Counts reach " +
      "the series within seconds of the event (objects flush in batches).",
    tag: "admin",
    action: "usage",
    params: {},
    access: admin,
    query: usageQuerySchema,
    success: {
      status: "200",
      description: "The series",
      body: UsageSeries,
      example: {
        step: "minute",
        from: minute(0),
        to: minute(1),
        live: { connections: 3, rooms: 1 },
        buckets: [
          {
            ...zeroCounts,
            start: minute(0),
            connections: 3,
            peakConnections: 4,
            connects: 4,
            disconnects: { "1000": 1 },
            messages: { http: 2, batch: 0, ws: 5 },
            deliveries: 21,
            bytesDelivered: 4_410,
          },
        ],
        totals: {
          ...zeroCounts,
          peakConnections: 4,
          connects: 4,
          disconnects: { "1000": 1 },
          messages: { http: 2, batch: 0, ws: 5 },
          deliveries: 21,
          bytesDelivered: 4_410,
        },
      },
    },
    errors: ["invalid_query"],
    handle: async (c, { query }) =>
      c.json(await usageAnswer(c.env, c.get("config"), c.get("principal").tenant, query, Date.now())),
  }),
  defineRoute({
    method: "get",
    path: "/v1/admin/rooms",
    operationId: "listRooms",
    summary: "The tenant's rooms that hold sockets now, paginated (eventually consistent within 5 s)",
    description:
      "Sorted by name (ASCII order), or with `sort=connections` by connections, most first. Pass `next` " +
      "back as `cursor` for the following page; a cursor only works with the sort that made it.",
    tag: "admin",
    action: "rooms",
    params: {},
    access: admin,
    query: roomsQuerySchema,
    success: {
      status: "200",
      description: "One page of rooms",
      body: RoomsPage,
      example: { rooms: [{ room: "lobby", connections: 3, users: 2, shards: 1 }], next: "eyJzb3J0IjoibmFtZSJ9" },
    },
    errors: ["invalid_query"],
    handle: async (c, { query }) => c.json(await roomsAnswer(c.env, c.get("config"), c.get("principal").tenant, query)),
  }),
  defineRoute({
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
  }),
];
