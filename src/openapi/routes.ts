// Every HTTP route of the gateway, described once. test/integration/openapi.test.ts compares this
// table with the Hono app's own routes: a route added to app.ts without an entry here fails it.
// To document a route: add an entry (its request schemas come from protocol.ts; a new response
// body gets a schema in schemas.ts and a name in COMPONENTS).
import type { ZodObject, ZodType } from "zod";
import { OPERATOR_ROUTES } from "../control/openapi.ts";
import { OPERATOR_COMPONENTS } from "../control/openapi-schemas.ts";
import {
  batchBodySchema,
  connectQuerySchema,
  disconnectBodySchema,
  historyQuerySchema,
  publishBodySchema,
  revocationBodySchema,
} from "../protocol.ts";
import { type ApiKeyScope, type ErrorCode, TOKEN_ERROR_CODES, type UserScope } from "../wire.ts";
import {
  batchResultSchema,
  disconnectResultSchema,
  errorBodySchema,
  healthSchema,
  historyPageSchema,
  messageFrameSchema,
  presenceSnapshotSchema,
  publishResultSchema,
  revocationResultSchema,
  roomInfoSchema,
} from "./schemas.ts";

/** Named schemas, emitted under components.schemas and referred to by name below. */
export const COMPONENTS = {
  PublishBody: publishBodySchema,
  BatchBody: batchBodySchema,
  BatchResult: batchResultSchema,
  DisconnectBody: disconnectBodySchema,
  RevocationBody: revocationBodySchema,
  Health: healthSchema,
  PublishResult: publishResultSchema,
  MessageFrame: messageFrameSchema,
  HistoryPage: historyPageSchema,
  PresenceSnapshot: presenceSnapshotSchema,
  DisconnectResult: disconnectResultSchema,
  RevocationResult: revocationResultSchema,
  RoomInfo: roomInfoSchema,
  ErrorBody: errorBodySchema,
  ...OPERATOR_COMPONENTS,
} satisfies Record<string, ZodType>;
export type ComponentName = keyof typeof COMPONENTS;

export type RouteDoc = {
  method: "get" | "post" | "patch" | "delete";
  /** OpenAPI path template: `{room}`, not Hono's `:room`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: "rooms" | "admin" | "meta" | "operator";
  /** Mirrors the route's `requireCredential`/`requireUser` rule in app.ts (or an operator key); absent on open routes. */
  auth?: { api_key?: readonly ApiKeyScope[]; user?: readonly UserScope[]; websocket?: true; operator?: true };
  /** Path parameters other than `{room}`. */
  pathParams?: { name: string; description: string; pattern: string }[];
  query?: ZodObject;
  /** Extra query parameters not in a schema (the token carrier of WebSocket upgrades, filters). */
  extraQuery?: { name: string; description: string }[];
  /** Optional request headers the route reads. */
  headers?: { name: string; description: string }[];
  body?: { schema: ComponentName; example: unknown };
  success: { status: "101" | "200" | "201" | "202"; description: string; schema?: ComponentName; example?: unknown };
  /** Error codes the route can answer; grouped by their HTTP status in the document. */
  errors: ErrorCode[];
};

const TOKEN_ERRORS: ErrorCode[] = [...TOKEN_ERROR_CODES];
const CREDENTIAL_ERRORS: ErrorCode[] = [
  ...TOKEN_ERRORS,
  "invalid_api_key",
  "revoked_api_key",
  "forbidden",
  "tenant_suspended",
];
const BODY_ERRORS: ErrorCode[] = ["invalid_json", "invalid_body", "payload_too_large"];
const PUBLISH_ERRORS: ErrorCode[] = ["invalid_idempotency_key", "idempotency_key_reused"];

/** `events`/`tags`: a subscriber's or a reader's filter (README, Filters). */
const FILTER_QUERY = [
  { name: "events", description: "comma-separated event names; `order.*` matches events starting with `order.`" },
  { name: "tags", description: "comma-separated `key:value`; for every key named, the tag must be one of its values" },
];
const IDEMPOTENCY_HEADER = {
  name: "Idempotency-Key",
  description: "1-128 printable ASCII characters: a repeat within the history window answers like the first attempt",
};

const connect = (path: string, operationId: string, summary: string): RouteDoc => ({
  method: "get",
  path,
  operationId,
  summary,
  description:
    "WebSocket upgrade. Token carriers, best first: `Authorization: Bearer <jwt>`; the subprotocol list " +
    "`broadcast.v1, bearer.<jwt>` (browsers; the gateway answers `broadcast.v1`, and `since.<seq>` there " +
    "resumes); `?access_token=<jwt>`. Browsers must come from the gateway's own origin or one in " +
    "ALLOWED_ORIGINS. Frames, close codes and resume: PROTOCOL.md.",
  tag: "rooms",
  auth: { user: ["subscribe"], websocket: true },
  query: connectQuerySchema,
  extraQuery: [
    { name: "access_token", description: "the user JWT, when no other carrier is possible" },
    ...FILTER_QUERY,
  ],
  success: { status: "101", description: "Switching Protocols: the socket speaks `broadcast.v1`" },
  errors: [
    ...TOKEN_ERRORS,
    "forbidden",
    "tenant_suspended",
    "forbidden_origin",
    "invalid_room",
    "invalid_query",
    "upgrade_required",
    "invalid_filter",
    "rate_limited",
    "too_many_connections",
  ],
});

const publish = (path: string, operationId: string, summary: string): RouteDoc => ({
  method: "post",
  path,
  operationId,
  summary,
  description:
    "Numbers the message, stamps the sender from the credential and delivers it. `to` present means " +
    "targeted (an empty `to` reaches nobody); `exclude` removes connections; `tags` are what filters match.",
  tag: "rooms",
  auth: { api_key: ["publish"], user: ["publish"] },
  headers: [IDEMPOTENCY_HEADER],
  body: { schema: "PublishBody", example: { event: "hello", payload: { text: "hi" } } },
  success: {
    status: "202",
    description: "Accepted and delivered",
    schema: "PublishResult",
    example: { id: "0194f1d2-8c1e-7c3a-9b2f-5d6e7f8a9b0c", seq: 1, delivered: 2 },
  },
  errors: [...CREDENTIAL_ERRORS, "invalid_room", ...BODY_ERRORS, ...PUBLISH_ERRORS, "rate_limited"],
});

export const ROUTES: RouteDoc[] = [
  {
    method: "get",
    path: "/health",
    operationId: "health",
    summary: "Liveness",
    tag: "meta",
    success: { status: "200", description: "The Worker answers", schema: "Health", example: { ok: true } },
    errors: [],
  },
  {
    method: "get",
    path: "/v1/openapi.json",
    operationId: "openapi",
    summary: "This document",
    tag: "meta",
    success: { status: "200", description: "OpenAPI 3.1" },
    errors: [],
  },
  connect("/v1/rooms/{room}/ws", "connect", "Open a WebSocket to a room"),
  connect("/ws", "connectDefault", "Open a WebSocket to room `default` (alias)"),
  publish("/v1/rooms/{room}/messages", "publish", "Publish a message to a room"),
  publish("/broadcast", "publishDefault", "Publish a message to room `default` (alias)"),
  {
    method: "post",
    path: "/v1/rooms/{room}/messages/batch",
    operationId: "publishBatch",
    summary: "Publish 1-100 messages with consecutive seqs",
    description:
      "All or nothing: a bad element is refused with its index in `details` and nothing is published. " +
      "Counts as one publish per message against the publisher's limit.",
    tag: "rooms",
    auth: { api_key: ["publish"], user: ["publish"] },
    headers: [IDEMPOTENCY_HEADER],
    body: {
      schema: "BatchBody",
      example: {
        messages: [
          { event: "a", payload: 1 },
          { event: "b", payload: 2, tags: { region: "eu" } },
        ],
      },
    },
    success: {
      status: "202",
      description: "Accepted and delivered, in order",
      schema: "BatchResult",
      example: {
        messages: [
          { id: "0194f1d2-8c1e-7c3a-9b2f-5d6e7f8a9b0c", seq: 7, delivered: 2 },
          { id: "0194f1d2-8c1e-7c3a-9b2f-5d6e7f8a9b0d", seq: 8, delivered: 2 },
        ],
      },
    },
    errors: [...CREDENTIAL_ERRORS, "invalid_room", ...BODY_ERRORS, ...PUBLISH_ERRORS, "rate_limited"],
  },
  {
    method: "get",
    path: "/v1/rooms/{room}/messages",
    operationId: "history",
    summary: "Read a room's recent messages",
    description:
      "Messages after `since`, oldest first, at most `limit` (1-1000, default 100). A user sees only " +
      "what they could have received; what an API key sees depends on its scope (README, Sessions).",
    tag: "rooms",
    auth: { api_key: ["presence", "admin"], user: ["subscribe"] },
    query: historyQuerySchema,
    extraQuery: FILTER_QUERY,
    success: {
      status: "200",
      description: "A page of history",
      schema: "HistoryPage",
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
    errors: [...CREDENTIAL_ERRORS, "invalid_room", "invalid_query", "invalid_filter", "rate_limited"],
  },
  {
    method: "get",
    path: "/v1/rooms/{room}/presence",
    operationId: "presence",
    summary: "Count a room's open sockets per user",
    tag: "rooms",
    auth: { api_key: ["presence"], user: ["presence"] },
    success: {
      status: "200",
      description: "Who is connected",
      schema: "PresenceSnapshot",
      example: {
        connections: 3,
        users: [
          { id: "alice", connections: 2 },
          { id: "bob", connections: 1 },
        ],
      },
    },
    errors: [...CREDENTIAL_ERRORS, "invalid_room", "rate_limited"],
  },
  {
    method: "post",
    path: "/v1/rooms/{room}/disconnect",
    operationId: "disconnect",
    summary: "Close users' or connections' sockets with 4003",
    tag: "admin",
    auth: { api_key: ["admin"] },
    body: { schema: "DisconnectBody", example: { users: ["mallory"] } },
    success: { status: "200", description: "Sockets closed", schema: "DisconnectResult", example: { disconnected: 1 } },
    errors: [...CREDENTIAL_ERRORS, "invalid_room", ...BODY_ERRORS, "rate_limited"],
  },
  {
    method: "post",
    path: "/v1/admin/revocations",
    operationId: "revoke",
    summary: "Revoke a token (by jti) or a user's tokens (by sub), in the key's own tenant",
    tag: "admin",
    auth: { api_key: ["admin"] },
    body: { schema: "RevocationBody", example: { sub: "mallory" } },
    success: {
      status: "201",
      description: "Revoked; live sockets closed with 4002",
      schema: "RevocationResult",
      example: {
        revocation: { kind: "sub", sub: "mallory", before: 1_796_000_000, keepUntil: 1_796_086_400 },
        closed: 1,
      },
    },
    errors: [...CREDENTIAL_ERRORS, ...BODY_ERRORS, "rate_limited"],
  },
  {
    method: "get",
    path: "/v1/admin/rooms/{room}",
    operationId: "inspectRoom",
    summary: "A room's seq and where its sockets are (per shard when ROOM_SHARDS > 1)",
    tag: "admin",
    auth: { api_key: ["admin"] },
    success: {
      status: "200",
      description: "The room as its objects see it",
      schema: "RoomInfo",
      example: {
        room: "lobby",
        seq: 42,
        connections: 3,
        shards: [
          { shard: 0, connections: 1 },
          { shard: 2, connections: 2 },
        ],
      },
    },
    errors: [...CREDENTIAL_ERRORS, "invalid_room", "rate_limited"],
  },
  ...OPERATOR_ROUTES,
];
