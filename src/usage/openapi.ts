// Response schemas of the usage routes, for the OpenAPI document only: the handlers build their
// bodies from answers.ts's types, and test/integration/usage-rooms.test.ts keeps the two equal.
import { z } from "zod";
import { component } from "../routes/route.ts";

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
  webhooks: z
    .object({ delivered: count, failed: count, retried: count, deadLettered: count })
    .meta({ description: "webhook events per endpoint, by what became of them" }),
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

export const UsageSeries = component("UsageSeries", usageAnswerSchema);
export const RoomsPage = component("RoomsPage", roomsAnswerSchema);
