// Response bodies as zod schemas, for the OpenAPI document only: the handlers build these bodies
// from the TypeScript types in protocol.ts, and test/unit/openapi-schemas.test.ts keeps each
// schema's type equal to its protocol type. Request schemas come straight from protocol.ts.
import { z } from "zod";

const seq = z.number().int().min(0);

export const senderSchema = z.object({
  kind: z.enum(["user", "api_key"]),
  id: z.string().meta({ description: "the user's JWT `sub`, or the API key id" }),
});

export const messageFrameSchema = z
  .object({
    type: z.literal("message"),
    id: z.string(),
    seq: seq.meta({ description: "+1 per message in the room" }),
    room: z.string(),
    event: z.string(),
    tags: z
      .record(z.string(), z.string())
      .optional()
      .meta({ description: "the tags it was published with; absent when none" }),
    payload: z.unknown().meta({ description: "any JSON" }),
    sender: senderSchema,
    ts: z.number().meta({ description: "epoch milliseconds" }),
  })
  .meta({ description: "a message frame exactly as sockets received it (PROTOCOL.md)" });

export const healthSchema = z.object({ ok: z.literal(true) });

export const indexSchema = z.object({
  name: z.literal("broadcast-gateway"),
  description: z.string(),
  links: z
    .object({ console: z.string(), openapi: z.string(), health: z.string() })
    .meta({ description: "paths relative to this gateway" }),
});

const delivered = z.number().int().min(0).meta({ description: "sockets the frame was written to" });

export const publishResultSchema = z.union([
  z.object({ id: z.string(), seq, delivered }),
  z.object({
    id: z.string(),
    ephemeral: z.literal(true).meta({ description: "published with `ephemeral`: delivered live only, no seq" }),
    delivered,
  }),
]);

const roomName = z.string().meta({ description: "the room, as the request named it" });

export const multiRoomResultSchema = z.object({
  results: z
    .array(
      z.union([
        z.object({ room: roomName, id: z.string(), seq, delivered }),
        z.object({ room: roomName, id: z.string(), ephemeral: z.literal(true), delivered }),
        z.object({
          room: roomName,
          error: z
            .object({ code: z.string(), message: z.string() })
            .meta({ description: "why this room's message was not published (the others' were)" }),
        }),
      ]),
    )
    .meta({ description: "one answer per room, in the order of `rooms`" }),
});

export const batchResultSchema = z.object({
  messages: z
    .array(publishResultSchema)
    .meta({ description: "one answer per message, in order, with consecutive seqs (ephemeral ones have none)" }),
});

export const historyPageSchema = z.object({
  messages: z.array(messageFrameSchema),
  seq: seq.meta({ description: "the room's last seq" }),
  next: seq.optional().meta({ description: "`since` of the next page; present only when more pages remain" }),
});

/** On an answer a sharded room gathered from its shards: present only when some shards did not answer. */
const shardGaps = {
  partial: z
    .literal(true)
    .optional()
    .meta({ description: "present only when some shards did not answer: the rest counts the shards that did" }),
  failedShards: z
    .array(z.number().int().min(0))
    .optional()
    .meta({ description: "the shards that did not answer, present with `partial`" }),
};

export const presenceSnapshotSchema = z.object({
  connections: z.number().int().min(0),
  users: z.array(
    z.object({
      id: z.string(),
      connections: z.number().int().min(1),
      info: z
        .record(z.string(), z.unknown())
        .optional()
        .meta({ description: "the `info` claim of the user's most recently opened connection, when it had one" }),
    }),
  ),
  ...shardGaps,
});

export const disconnectResultSchema = z.object({ disconnected: z.number().int().min(0), ...shardGaps });

export const roomInfoSchema = z.object({
  room: z.string(),
  seq: seq.meta({ description: "the room's last seq" }),
  connections: z.number().int().min(0).meta({ description: "open sockets in the whole room" }),
  shards: z
    .array(z.object({ shard: z.number().int().min(0), connections: z.number().int().min(0) }))
    .meta({ description: "open sockets per live shard; an unsharded room reports one shard, 0" }),
  ...shardGaps,
});

const keepUntil = z.number().int().meta({ description: "epoch seconds after which no token it matches can be valid" });
export const revocationSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("jti"), jti: z.string(), keepUntil }),
  z.object({ kind: z.literal("sub"), sub: z.string(), before: z.number().int(), keepUntil }),
]);
export const revocationResultSchema = z.object({
  revocation: revocationSchema,
  closed: z.number().int().min(0).meta({ description: "live sockets closed with 4002" }),
});

export const errorBodySchema = z.object({
  error: z.object({
    code: z.string().meta({ description: "a stable code; each response lists the codes it can carry" }),
    message: z.string(),
    details: z.unknown().optional().meta({ description: "validation errors: zod's flattened issues" }),
  }),
});
