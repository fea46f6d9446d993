// The zod schemas of everything a client, publisher or operator sends, and the identity the Worker
// hands a room. Other modules parse input only through these. Zod-free constants and the frames the
// gateway sends are in wire.ts; the schemas below are checked against those plain types.
import { z } from "zod";
import { exceedsBytes } from "./utf8.ts";
import {
  API_KEY_SCOPES,
  type Exclude,
  MAX_EVENT_LENGTH,
  MAX_REF_LENGTH,
  MAX_USER_ID_BYTES,
  type PublishFrame,
  type RefreshFrame,
  ROOM_PATTERN,
  type Target,
  TENANT_PATTERN,
  USER_SCOPES,
} from "./wire.ts";

export const roomSchema = z.string().regex(ROOM_PATTERN);
export const tenantSchema = z.string().regex(TENANT_PATTERN);

const subSchema = z
  .string()
  .min(1)
  .refine((s) => !exceedsBytes(s, MAX_USER_ID_BYTES), `must be at most ${MAX_USER_ID_BYTES} UTF-8 bytes`);
const connectionIdSchema = z.string().min(1).max(64);
const userScopesSchema = z.array(z.enum(USER_SCOPES));

/** A room grant in a token: an exact room name, or a prefix ending in `*`. */
const roomGrantSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{0,128}\*?$/)
  .min(1);

/** Claims the gateway reads after jose has checked signature, exp/nbf/iat, iss and aud. */
export const tokenClaimsSchema = z.object({
  sub: subSchema,
  tenant: tenantSchema,
  exp: z.number().int(),
  iat: z.number().optional(),
  jti: z.string().max(256).optional(),
  scope: z
    .string()
    .default("subscribe")
    .transform((s) => s.split(" ").filter(Boolean))
    .pipe(userScopesSchema),
  rooms: z.array(roomGrantSchema).max(100).optional(),
});
export type TokenClaims = z.output<typeof tokenClaimsSchema>;

/** One record of the `API_KEYS` secret. `hash` is the lowercase hex SHA-256 of the whole key. */
export const apiKeyRecordSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9]{1,32}$/),
  tenant: tenantSchema,
  scopes: z.array(z.enum(API_KEY_SCOPES)).min(1),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  revoked: z.boolean().optional(),
});
export type ApiKeyRecord = z.infer<typeof apiKeyRecordSchema>;
export const apiKeyRecordsSchema = z.array(apiKeyRecordSchema);

const idListSchema = z.array(subSchema).max(1000);
const targetSchema = z.strictObject({
  users: idListSchema.optional(),
  connections: z.array(connectionIdSchema).max(1000).optional(),
}) satisfies z.ZodType<Target>;
const excludeSchema = z.strictObject({
  connections: z.array(connectionIdSchema).max(1000).optional(),
}) satisfies z.ZodType<Exclude>;
// Events are labels that get displayed: no control characters (C0, DEL, C1), no lone surrogates.
const CONTROL_OR_LONE_SURROGATE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  /[\u0000-\u001F\u007F-\u009F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const eventSchema = z
  .string()
  .min(1)
  .max(MAX_EVENT_LENGTH)
  .refine((s) => !CONTROL_OR_LONE_SURROGATE.test(s), "event must not contain control characters or lone surrogates");
// `payload` is whatever JSON.parse produced: it is JSON by construction, so it is not walked again.
const payloadSchema = z.unknown().refine((v) => v !== undefined, "payload is required");

/** `POST /v1/rooms/{room}/messages` body. */
export const publishBodySchema = z.strictObject({
  event: eventSchema,
  payload: payloadSchema,
  to: targetSchema.optional(),
  exclude: excludeSchema.optional(),
});
export type PublishBody = z.infer<typeof publishBodySchema>;

const refSchema = z.union([z.string().max(MAX_REF_LENGTH), z.number().int()]);

/** Frames a client may send. Strict: a forged `sender`, `seq` or `id` is an invalid message. */
export const clientFrameSchema = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("publish"),
    event: eventSchema,
    payload: payloadSchema,
    to: targetSchema.optional(),
    exclude: excludeSchema.optional(),
    ref: refSchema.optional(),
  }) satisfies z.ZodType<PublishFrame>,
  z.strictObject({ type: z.literal("ping") }),
  z.strictObject({ type: z.literal("refresh"), token: z.string().min(1).max(8192) }) satisfies z.ZodType<RefreshFrame>,
]);
export type ClientFrame = z.infer<typeof clientFrameSchema>;
/** Reads a `ref` from a frame that failed validation, so its error can still be correlated. */
export const looseRefSchema = z.looseObject({ ref: refSchema });

/** What a publish asks of a room, from either path, after validation and stamping. */
export type PublishRequest = {
  room: string;
  sender: { kind: "user" | "api_key"; id: string };
  event: string;
  /** The payload already serialized once, so the room never re-serializes it. */
  payloadJson: string;
  to?: Target | undefined;
  exclude?: Exclude | undefined;
};
export type PublishResult = { id: string; seq: number; delivered: number };

/**
 * A room member: who a socket belongs to, built by the Worker from a verified token (see
 * `memberOf`) and kept in the socket's attachment. Never read from anything a client sent.
 */
export const memberSchema = z.object({
  tenant: tenantSchema,
  room: roomSchema,
  sub: subSchema,
  scopes: userScopesSchema,
  /** Token expiry, epoch seconds: the socket is closed with 4001 when it passes. */
  exp: z.number().int(),
  /** Token id and issue time, matched against revocations. */
  jti: z.string().optional(),
  iat: z.number().optional(),
  /** Receives presence join/leave frames (needs scope `presence`). */
  presence: z.boolean(),
});
export type Member = z.infer<typeof memberSchema>;

/** Header the Worker sets on the upgrade it forwards to a room; client headers are never forwarded. */
export const IDENTITY_HEADER = "x-gateway-identity";
/** The upgrade the Worker forwards: the member, and how the socket is to be opened. */
export const roomConnectSchema = z.object({
  member: memberSchema,
  /** Answer with SUBPROTOCOL: the client offered it. */
  subprotocol: z.boolean(),
  /** Resume: replay every visible message after this seq before live ones. */
  since: z.number().int().min(0).optional(),
  /** The shard the socket is for, in a sharded room (index < count <= 64). */
  shard: z
    .object({ index: z.number().int().min(0).max(63), count: z.number().int().min(2).max(64) })
    .refine((s) => s.index < s.count)
    .optional(),
  /** Objects that passed the upgrade on because the room's layout differed from the Worker's. */
  hops: z.number().int().min(0).max(2).default(0),
});
export type RoomConnect = z.input<typeof roomConnectSchema>;

// Header values must be ASCII; a sub may not be, so the JSON travels percent-encoded.
export const encodeRoomConnect = (c: RoomConnect): string => encodeURIComponent(JSON.stringify(c));
export const decodeRoomConnect = (header: string | null): z.output<typeof roomConnectSchema> =>
  roomConnectSchema.parse(JSON.parse(decodeURIComponent(header ?? "null")));

/** A sequence number in a query string. */
const seqParam = z
  .string()
  .regex(/^\d{1,15}$/, "since must be a sequence number")
  .transform(Number);

/** Connect options a client may put in the query string (or the subprotocol list for `since`). */
export const connectQuerySchema = z.object({
  since: seqParam.optional(),
  presence: z
    .enum(["1", "true", "0", "false"])
    .optional()
    .transform((p) => p === "1" || p === "true"),
});

/** `GET /v1/rooms/{room}/messages` query. */
export const historyQuerySchema = z.object({
  since: seqParam.optional(),
  limit: z
    .string()
    .regex(/^\d{1,4}$/, "limit must be 1-1000")
    .transform(Number)
    .pipe(z.number().int().min(1).max(1000))
    .optional(),
});
export type HistoryQuery = z.infer<typeof historyQuerySchema>;

/** `POST /v1/rooms/{room}/disconnect` body. */
export const disconnectBodySchema = z.strictObject({
  users: idListSchema.optional(),
  connections: z.array(connectionIdSchema).max(1000).optional(),
});
export type DisconnectBody = z.infer<typeof disconnectBodySchema>;

/** `POST /v1/admin/revocations` body: one token by `jti`, or every token of `sub` issued at or before `before`. */
export const revocationBodySchema = z.union([
  z.strictObject({ jti: z.string().min(1).max(256) }),
  z.strictObject({ sub: subSchema, before: z.number().int().positive().max(1e11).optional() }),
]);
export type RevocationBody = z.infer<typeof revocationBodySchema>;
/** A stored revocation; `keepUntil` (epoch seconds) is when every token it can match has expired anyway. */
export type Revocation =
  | { kind: "jti"; jti: string; keepUntil: number }
  | { kind: "sub"; sub: string; before: number; keepUntil: number };

export type PresenceSnapshot = { connections: number; users: { id: string; connections: number }[] };

/** An error body another service (a room, through the Worker) answered with. */
export const errorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
