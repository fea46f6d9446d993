// Routes of one room: its socket, its history and its presence (publishing is in publishing.ts).
import { viewerOf } from "../auth/principal.ts";
import { intersectFilters } from "../filter.ts";
import { HistoryPage, PresenceSnapshot } from "../openapi/components.ts";
import { historyQuerySchema } from "../protocol.ts";
import { presenceIn, roomStub } from "../room/client.ts";
import { DEFAULT_ROOM } from "../wire.ts";
import { credential, userSocket } from "./access.ts";
import { forwardUpgrade } from "./connect.ts";
import { roomParam } from "./params.ts";
import { defineRoute, type ParamDoc } from "./route.ts";
import { filterOfQuery } from "./validate.ts";

/** `events`/`tags`: a subscriber's or a reader's filter (PROTOCOL.md). */
const FILTER_QUERY: ParamDoc[] = [
  { name: "events", description: "comma-separated event names; `order.*` matches events starting with `order.`" },
  { name: "tags", description: "comma-separated `key:value`; for every key named, the tag must be one of its values" },
];
/** `GET /v1/rooms/{room}/ws` and its alias `GET /ws`. */
const SOCKET = {
  method: "get",
  description:
    "WebSocket upgrade. Token carriers, best first: `Authorization: Bearer <jwt>`; the subprotocol list " +
    "`broadcast.v1, bearer.<jwt>` (browsers; the gateway answers `broadcast.v1`, and `since.<seq>` there " +
    "resumes); `?access_token=<jwt>`. Browsers must come from the gateway's own origin or one in " +
    "ALLOWED_ORIGINS. A client that offered `broadcast.v1` receives a refusal in the socket instead of " +
    "as HTTP: one `error` frame, then close 4000 + the status listed here. Frames, close codes and " +
    "resume: PROTOCOL.md.",
  tag: "rooms",
  action: "connect",
  access: userSocket("subscribe"),
  extraQuery: FILTER_QUERY,
  success: { status: "101", description: "Switching Protocols: the socket speaks `broadcast.v1`" },
  errors: ["invalid_filter", "too_many_connections"],
  handle: forwardUpgrade,
} as const;

export const ROOM_ROUTES = [
  defineRoute({
    ...SOCKET,
    path: "/v1/rooms/{room}/ws",
    operationId: "connect",
    summary: "Open a WebSocket to a room",
    params: { room: roomParam },
  }),
  defineRoute({
    ...SOCKET,
    path: "/ws",
    operationId: "connectDefault",
    summary: "Open a WebSocket to room `default` (alias)",
    params: {},
    fixedRoom: DEFAULT_ROOM,
  }),
  defineRoute({
    method: "get",
    path: "/v1/rooms/{room}/messages",
    operationId: "history",
    summary: "Read a room's recent messages",
    description:
      "Messages after `since`, oldest first, at most `limit` (1-1000, default 100). A user sees only " +
      "what they could have received; what an API key sees depends on its scope (README, Sessions).",
    tag: "rooms",
    action: "history",
    params: { room: roomParam },
    access: credential({ api_key: ["presence", "admin"], user: ["subscribe"] }, "API_LIMITER"),
    query: historyQuerySchema,
    extraQuery: FILTER_QUERY,
    success: {
      status: "200",
      description: "A page of history",
      body: HistoryPage,
      example: {
        messages: [
          {
            type: "message",
            id: "0194f1d2-8c1e-7c3a-9b2f-5d6e7f8a9b0c",
            seq: 1,
            room: "lobby",
            event: "hello",
            payload: { text: "hi" },
            sender: { kind: "api_key", id: "k1234" },
            ts: 1_796_000_000_000,
          },
        ],
        seq: 1,
      },
    },
    errors: ["invalid_filter"],
    handle: async (c, { query }) => {
      const p = c.get("principal");
      // A user's token may bound what they read: their query only narrows it.
      const asked = filterOfQuery(c.req.query());
      const filter = p.kind === "user" ? intersectFilters(p.filter, asked) : asked;
      const stub = roomStub(c.env, p.tenant, c.get("room"));
      const page = await stub.history(query, viewerOf(p), filter, c.get("tenant").terms);
      return c.body(page, 200, { "content-type": "application/json" });
    },
  }),
  defineRoute({
    method: "get",
    path: "/v1/rooms/{room}/presence",
    operationId: "presence",
    summary: "Count a room's open sockets per user",
    tag: "rooms",
    action: "presence",
    params: { room: roomParam },
    access: credential({ api_key: ["presence"], user: ["presence"] }, "API_LIMITER"),
    success: {
      status: "200",
      description: "Who is connected",
      body: PresenceSnapshot,
      example: {
        connections: 3,
        users: [
          { id: "alice", connections: 2 },
          { id: "bob", connections: 1 },
        ],
      },
    },
    errors: [],
    handle: async (c) => {
      // As a plain object: Hono's JSON typing cannot walk the recursive type of `info`.
      const answer = await presenceIn(c.env, c.get("principal").tenant, c.get("room"));
      // Sent as text: Hono's JSON typing cannot check `info`, an object of any JSON.
      return c.body(JSON.stringify(answer), 200, { "content-type": "application/json" });
    },
  }),
];
