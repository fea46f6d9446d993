// The usage routes of the route table (src/routes/table.ts): the tenant's series and its rooms
// list, for its admin key.
import { roomsQuerySchema, usageQuerySchema } from "../protocol.ts";
import { credential } from "../routes/access.ts";
import { defineRoute } from "../routes/route.ts";
import { roomsAnswer, usageAnswer } from "./answers.ts";
import { RoomsPage, UsageSeries } from "./openapi.ts";
import { emptyCounts } from "./series.ts";

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
];
