// The usage routes of the route table (src/routes/table.ts): the tenant's series (for its admin
// key, and for operators), its rooms list and a room's live tap.
import { roomsQuerySchema } from "../protocol.ts";
import { defineRoute } from "../routes/route.ts";
import { roomsAnswer } from "./answers.ts";
import { RoomsPage } from "./openapi.ts";
import { admin, SERIES_ROUTES } from "./series-routes.ts";
import { TAP_ROUTE } from "./tap-route.ts";

export const USAGE_ROUTES = [
  ...SERIES_ROUTES,
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
  TAP_ROUTE,
];
