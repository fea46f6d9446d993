// The usage routes in the OpenAPI document (src/openapi/routes.ts spreads these in). Response
// schemas are for the document only; test/integration/usage-routes.test.ts keeps their types
// equal to the answers' own.
import { z } from "zod";
import type { RouteDoc } from "../openapi/routes.ts";
import { roomsQuerySchema, usageQuerySchema } from "../protocol.ts";
import { TOKEN_ERROR_CODES } from "../wire.ts";

const count = z.number().int().min(0);
const byCode = z.record(z.string(), count);
const countsShape = {
  connects: count,
  disconnects: byCode.meta({ description: "sockets closed, by close code" }),
  messages: z.object({ http: count, batch: count, ws: count }).meta({ description: "messages published, by source" }),
  deliveries: count.meta({ description: "message frames written to sockets" }),
  bytesDelivered: count,
  historyReads: count,
  refusals: byCode.meta({ description: "requests and frames refused, by error code" }),
};

export const usageBucketSchema = z.object({
  start: z.string().meta({ description: "RFC 3339, UTC" }),
  connections: count.meta({ description: "sockets open at the bucket's end (the current bucket: now)" }),
  peakConnections: count.meta({ description: "most sockets open at once within the bucket" }),
  ...countsShape,
});

export const usageAnswerSchema = z.object({
  step: z.enum(["minute", "hour"]),
  from: z.string(),
  to: z.string(),
  live: z.object({ connections: count, rooms: count }),
  buckets: z.array(usageBucketSchema).meta({ description: "every bucket of the range, empty ones included" }),
  totals: z.object({ ...countsShape, peakConnections: count }),
});

export const roomEntrySchema = z.object({
  room: z.string(),
  connections: count,
  users: count,
  shards: count.meta({ description: "objects holding its sockets (1 for an unsharded room)" }),
});

export const roomsAnswerSchema = z.object({
  rooms: z.array(roomEntrySchema),
  next: z.string().optional().meta({ description: "`cursor` of the next page; absent on the last" }),
});

export const USAGE_COMPONENTS = { UsageSeries: usageAnswerSchema, RoomsPage: roomsAnswerSchema };

const ADMIN_ERRORS = [...TOKEN_ERROR_CODES, "invalid_api_key", "revoked_api_key", "forbidden"] as const;

export const USAGE_ROUTES: RouteDoc[] = [
  {
    method: "get",
    path: "/v1/admin/usage",
    operationId: "usage",
    summary: "The tenant's usage as a time series, per minute (48 h kept) or per hour (90 days kept)",
    description:
      "Every bucket from `from` (rounded down) to `to` (rounded up) is present, empty ones with zeros. " +
      "Without `to`: now; without `from`: an hour (minutes) or a week (hours) before `to`. Counts reach " +
      "the series within seconds of the event (rooms flush in batches).",
    tag: "admin",
    auth: { api_key: ["admin"] },
    query: usageQuerySchema,
    success: { status: "200", description: "The series", schema: "UsageSeries" },
    errors: [...ADMIN_ERRORS, "invalid_query", "rate_limited"],
  },
  {
    method: "get",
    path: "/v1/admin/rooms",
    operationId: "listRooms",
    summary: "The tenant's rooms that hold sockets now, paginated (eventually consistent within 5 s)",
    description:
      "Sorted by name (ASCII order), or with `sort=connections` by connections, most first. Pass `next` " +
      "back as `cursor` for the following page; a cursor only works with the sort that made it.",
    tag: "admin",
    auth: { api_key: ["admin"] },
    query: roomsQuerySchema,
    success: { status: "200", description: "One page of rooms", schema: "RoomsPage" },
    errors: [...ADMIN_ERRORS, "invalid_query", "rate_limited"],
  },
];
