// The zod schemas of everything a client, publisher or operator sends, and the identity the Worker
// hands a room; by feature below, what objects keep in storage and put on queues (usage flushes,
// webhook messages). Other modules parse input only through these. Zod-free constants and the frames the
// gateway sends are in wire.ts; the schemas below are checked against those plain types.
import { z } from "zod";
import { type Filter, filterOf, filterProblem, isTagKey, isTagValue, parseFilterQuery } from "./filter.ts";
import { formatVersion } from "./format-version.ts";
import { MAX_OUTBOUND_URL_LENGTH } from "./net/outbound-url.ts";
import { exceedsBytes } from "./utf8.ts";
import {
  API_KEY_SCOPES,
  type ApiKeyScope,
  DEAD_LETTER_ID_PATTERN,
  ENDPOINT_ID_PATTERN,
  type Exclude,
  type FilterFrame,
  type FilterSpec,
  IDEMPOTENCY_KEY_PATTERN,
  isLabel,
  KEY_ID_PATTERN,
  KID_PATTERN,
  LIMIT_NAMES,
  LIMIT_RANGES,
  type LimitName,
  type LimitOverrides,
  MAX_ALLOWED_ORIGINS,
  MAX_BATCH_PUBLISH,
  MAX_ENDPOINTS,
  MAX_EVENT_LENGTH,
  MAX_EVENTS_PER_DELIVERY,
  MAX_FILTER_CLAIM_BYTES,
  MAX_FILTER_EVENTS,
  MAX_INFO_BYTES,
  MAX_MULTI_ROOM_PUBLISH,
  MAX_PAGE,
  MAX_REF_LENGTH,
  MAX_TAG_VALUE_LENGTH,
  MAX_TAGS,
  MAX_USER_ID_BYTES,
  type MemberInfo,
  type PublishFrame,
  type RefreshFrame,
  ROOM_PATTERN,
  type Sender,
  type Tags,
  type Target,
  TENANT_PATTERN,
  TENANT_STATUSES,
  type TenantStatus,
  USER_SCOPES,
  WEBHOOK_EVENT_TYPES,
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
export const roomGrantSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{0,128}\*?$/)
  .min(1);

/**
 * A record keyed by tag keys. JSON.parse makes `__proto__` an own key, which zod drops without a
 * word when it builds the record; it fits the key pattern, so it is refused here instead.
 */
const tagRecord = <V extends z.ZodType>(values: V) =>
  z
    .unknown()
    .refine((v) => typeof v !== "object" || v === null || !Object.hasOwn(v, "__proto__"), "__proto__ is not a tag key")
    .pipe(z.record(z.string().refine(isTagKey, "tag keys are 1-32 of [a-z0-9_.-]"), values));

/** A filter as a client or a token states it (`filterProblem` checks its entries and limits). */
const filterSpecShape = {
  events: z.array(z.string()).max(MAX_FILTER_EVENTS).optional(),
  tags: tagRecord(z.array(z.string())).optional(),
};
const checkFilterSpec = (spec: FilterSpec, ctx: z.RefinementCtx) => {
  const problem = filterProblem(spec);
  if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
};

const isJsonObject = (v: unknown): boolean => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * A token's `info`: any JSON object of at most MAX_INFO_BYTES serialized, kept as that JSON text
 * from here on: presence frames splice it in verbatim, and it is never re-serialized per watcher
 * (nor rebuilt by a record schema, which would lose an own `__proto__` key).
 */
const infoClaimSchema = z
  .unknown()
  .refine(isJsonObject, "must be a JSON object")
  .transform((v) => JSON.stringify(v))
  .refine((json) => !exceedsBytes(json, MAX_INFO_BYTES), `must be at most ${MAX_INFO_BYTES} bytes serialized`);
/** The `info` claim's JSON text, as a member carries it. */
const infoJsonSchema = z.string().refine((json) => !exceedsBytes(json, MAX_INFO_BYTES));

/** A token's `filter`: the filter frame's syntax, within MAX_FILTER_CLAIM_BYTES; `{}` constrains nothing. */
const filterClaimSchema = z
  .strictObject(filterSpecShape)
  .superRefine(checkFilterSpec)
  .refine((spec) => !exceedsBytes(JSON.stringify(spec), MAX_FILTER_CLAIM_BYTES), {
    message: `must be at most ${MAX_FILTER_CLAIM_BYTES} bytes serialized`,
  })
  .transform((spec) => filterOf(spec));

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
  /** Member data shown with the user in presence (frames and `GET …/presence`). */
  info: infoClaimSchema.optional(),
  /** The most the user's sockets may see: their own filters only narrow it; history obeys it too. */
  filter: filterClaimSchema.optional(),
});
export type TokenClaims = z.output<typeof tokenClaimsSchema>;

/** One record of the `API_KEYS` secret. `hash` is the lowercase hex SHA-256 of the whole key. */
export const apiKeyRecordSchema = z.strictObject({
  id: z.string().regex(KEY_ID_PATTERN),
  tenant: tenantSchema,
  scopes: z.array(z.enum(API_KEY_SCOPES)).min(1),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  revoked: z.boolean().optional(),
});
export type ApiKeyRecord = z.infer<typeof apiKeyRecordSchema>;
export const apiKeyRecordsSchema = z.array(apiKeyRecordSchema);

/** One record of the `OPERATOR_KEYS` secret: an operator key (`bgo_<id>_<secret>`) has no tenant or scopes. */
export const operatorKeyRecordSchema = apiKeyRecordSchema.omit({ tenant: true, scopes: true });
export type OperatorKeyRecord = z.infer<typeof operatorKeyRecordSchema>;
export const operatorKeyRecordsSchema = z.array(operatorKeyRecordSchema);

/** An exact browser origin, or `*` for any. */
export const originSchema = z.union([
  z.literal("*"),
  z
    .url({ protocol: /^https?$/ })
    // zod runs refinements even after `url()` failed, and `new URL` throws on what it rejects.
    .refine((o) => URL.canParse(o) && new URL(o).origin === o, "must be an origin like https://app.example.com"),
]);

/**
 * Members only a private (or symmetric) JWK has. JWT_JWKS is pasted around as public material.
 * `oth` holds a multi-prime RSA key's further primes and their exponents (RFC 7518 6.3.2.7).
 */
export const PRIVATE_JWK_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] as const;

/**
 * jose refuses RSA moduli under 2048 bits with a TypeError on every token they sign; refuse them
 * here instead, by the length of `n` (unpadded base64url, 342 characters for 2048 bits).
 */
const MIN_RSA_MODULUS_CHARS = Math.ceil((2048 / 8) * (4 / 3));

// `tenant` binds a key to one tenant: it then verifies only that tenant's tokens (src/auth/verifier.ts).
export const publicJwkSchema = z
  .looseObject({ kty: z.string(), kid: z.string().min(1), tenant: tenantSchema.optional() })
  .superRefine((jwk, ctx) => {
    if (jwk.kty === "RSA" && typeof jwk.n === "string" && jwk.n.length < MIN_RSA_MODULUS_CHARS)
      ctx.addIssue({ code: "custom", path: ["n"], message: `key "${jwk.kid}" is shorter than 2048 bits` });
    for (const member of PRIVATE_JWK_MEMBERS) {
      if (member in jwk)
        ctx.addIssue({
          code: "custom",
          path: [member],
          message: `key "${jwk.kid}" holds the private member "${member}": configure public keys only`,
        });
    }
  });

export const jwksSchema = z.object({ keys: z.array(publicJwkSchema).min(1) });

const idListSchema = z.array(subSchema).max(1000);
const targetSchema = z.strictObject({
  users: idListSchema.optional(),
  connections: z.array(connectionIdSchema).max(1000).optional(),
}) satisfies z.ZodType<Target>;
const excludeSchema = z.strictObject({
  connections: z.array(connectionIdSchema).max(1000).optional(),
}) satisfies z.ZodType<Exclude>;
const eventSchema = z
  .string()
  .min(1)
  .max(MAX_EVENT_LENGTH)
  .refine((s) => isLabel(s, MAX_EVENT_LENGTH), "event must not contain control characters or lone surrogates");
// `payload` is whatever JSON.parse produced: it is JSON by construction, so it is not walked again.
const payloadSchema = z.unknown().refine((v) => v !== undefined, "payload is required");

/** A message's tags; `{}` is no tags, so the frame leaves `tags` out. */
const tagsSchema = tagRecord(
  z.string().refine(isTagValue, `tag values are 1-${MAX_TAG_VALUE_LENGTH} characters without control characters`),
)
  .refine((t) => Object.keys(t).length <= MAX_TAGS, `at most ${MAX_TAGS} tags`)
  .transform((t): Tags | undefined => (Object.keys(t).length === 0 ? undefined : t));

/** `Idempotency-Key`, and a publish frame's `key`. */
export const idempotencyKeySchema = z
  .string()
  .regex(IDEMPOTENCY_KEY_PATTERN, "keys are 1-128 printable ASCII characters, not starting or ending with a space");

/** `"ephemeral": true`: delivered live only (no seq, history, replay or idempotency record); `false` is the default. */
const ephemeralSchema = z
  .boolean()
  .optional()
  .transform((e): true | undefined => (e === true ? true : undefined));

/** `POST /v1/rooms/{room}/messages` body. */
export const publishBodySchema = z.strictObject({
  event: eventSchema,
  payload: payloadSchema,
  tags: tagsSchema.optional(),
  to: targetSchema.optional(),
  exclude: excludeSchema.optional(),
  ephemeral: ephemeralSchema,
});
export type PublishBody = z.infer<typeof publishBodySchema>;

/**
 * `POST /v1/messages` body: one message for 1–MAX_MULTI_ROOM_PUBLISH distinct rooms. No `to` or
 * `exclude`: connection ids belong to one room.
 */
export const multiRoomBodySchema = z.strictObject({
  rooms: z
    .array(roomSchema)
    .min(1)
    .max(MAX_MULTI_ROOM_PUBLISH)
    .refine((rooms) => new Set(rooms).size === rooms.length, "rooms must be distinct"),
  event: eventSchema,
  payload: payloadSchema,
  tags: tagsSchema.optional(),
  ephemeral: ephemeralSchema,
});
export type MultiRoomBody = z.infer<typeof multiRoomBodySchema>;

/** `POST /v1/rooms/{room}/messages/batch` body: all of it is valid, or none of it is published. */
export const batchBodySchema = z.strictObject({
  messages: z.array(publishBodySchema).min(1).max(MAX_BATCH_PUBLISH),
});
export type BatchBody = z.infer<typeof batchBodySchema>;

const refSchema = z.union([z.string().max(MAX_REF_LENGTH), z.number().int()]);

/**
 * `{"type":"filter","events"?,"tags"?}`: replaces a socket's filter (`filterOf` gives its normal
 * form; neither part clears it).
 */
export const filterFrameSchema = z
  .strictObject({ type: z.literal("filter"), ...filterSpecShape })
  .superRefine(checkFilterSpec) satisfies z.ZodType<FilterFrame>;

/** Frames a client may send. Strict: a forged `sender`, `seq` or `id` is an invalid message. */
export const clientFrameSchema = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("publish"),
    event: eventSchema,
    payload: payloadSchema,
    tags: tagsSchema.optional(),
    to: targetSchema.optional(),
    exclude: excludeSchema.optional(),
    ref: refSchema.optional(),
    key: idempotencyKeySchema.optional(),
    ephemeral: ephemeralSchema,
  }) satisfies z.ZodType<PublishFrame>,
  z.strictObject({ type: z.literal("ping") }),
  z.strictObject({ type: z.literal("refresh"), token: z.string().min(1).max(8192) }) satisfies z.ZodType<RefreshFrame>,
  filterFrameSchema,
]);
export type ClientFrame = z.infer<typeof clientFrameSchema>;

/** Reads a `ref` from a frame that failed validation, so its error can still be correlated. */
export const looseRefSchema = z.looseObject({ ref: refSchema });

/** What a publish asks of a room, from either path, after validation and stamping. */
export type PublishRequest = {
  room: string;
  sender: Sender;
  event: string;
  tags?: Tags | undefined;
  /** The payload already serialized once, so the room never re-serializes it. */
  payloadJson: string;
  to?: Target | undefined;
  exclude?: Exclude | undefined;
  /** Delivered live only: not numbered, recorded or replayed. */
  ephemeral?: true | undefined;
  /**
   * Where it came in, for usage counts: a single HTTP publish, an element of an HTTP batch, or a
   * client's frame. A Worker of the version before sends none: counted as "http".
   */
  source?: "http" | "batch" | "ws" | undefined;
};
/** A published message: its seq, or (live only) `ephemeral` instead. */
export type PublishResult =
  | { id: string; seq: number; delivered: number }
  | { id: string; ephemeral: true; delivered: number };
export const publishResultsSchema = z.array(
  z.union([
    z.object({ id: z.string(), seq: z.number().int(), delivered: z.number().int() }),
    z.object({ id: z.string(), ephemeral: z.literal(true), delivered: z.number().int() }),
  ]),
) satisfies z.ZodType<PublishResult[]>;

/**
 * An idempotent publish: `owner` (`api_key:<id>` or `user:<sub>`, see `keyOwner`) owns `key`; `fingerprint` is
 * the request's (see `requestFingerprint`), so a key reused for another request is told apart.
 */
export type IdempotencyRef = { owner: string; key: string; fingerprint: string };
/** A room's answer to a publish: new messages, the answer recorded under the key, or a key reused for another request. */
export type PublishOutcome = { status: "published" | "replayed"; results: PublishResult[] } | { status: "key_reused" };

/** A filter's normal form (see filter.ts), as the Worker hands it to a room. */
const filterSchema = z.object({
  events: z.object({ exact: z.array(z.string()), prefixes: z.array(z.string()) }).optional(),
  tags: tagRecord(z.array(z.string())).optional(),
}) satisfies z.ZodType<Filter>;

/**
 * A room member: who a socket belongs to, built by the Worker from a verified token (see
 * `memberOf`) and kept in the socket's attachment. Never read from anything a client sent.
 */
export const memberSchema = z.object({
  kind: z.literal("user"),
  /** The user's id: the token's `sub`. */
  id: subSchema,
  tenant: tenantSchema,
  room: roomSchema,
  scopes: userScopesSchema,
  /** Token expiry, epoch seconds: the socket is closed with 4001 when it passes. */
  exp: z.number().int(),
  /** Token id and issue time, matched against revocations. */
  jti: z.string().optional(),
  iat: z.number().optional(),
  /** Receives presence join/leave frames (needs scope `presence`). */
  presence: z.boolean(),
  /** Accepts `batch` frames (`?batch=1`). */
  batch: z.boolean(),
  /** The filter the client asked for (`?events=`, `?tags=`, the `filter` frame); none means all. */
  filter: filterSchema.optional(),
  /**
   * The token's `filter` claim: the most the socket may see. What it receives, replays and reads is
   * the claim narrowed by `filter` (see `filterInForce`), never more.
   */
  enforced: filterSchema.optional(),
  /** The token's `info` claim as JSON text, shown with the member in presence. */
  info: infoJsonSchema.optional(),
});
export type Member = z.infer<typeof memberSchema>;

/**
 * A tenant's terms as the Worker hands them to a room (src/control/terms.ts): a limit this version
 * does not know (a newer Worker's) is carried along and ignored.
 */
const termsSchema = z.object({
  status: z.enum(TENANT_STATUSES),
  limits: z.record(z.string(), z.number().int().min(0)),
  at: z.number(),
});

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
  /**
   * The tenant's terms as the Worker's cached snapshot holds them, when the tenant has a record: the
   * object follows them if they are newer than what it heard from the tenant. No version change: an
   * object of the version before ignores the member and keeps the terms it knows.
   */
  terms: termsSchema.optional(),
});
export type RoomConnect = z.input<typeof roomConnectSchema>;

/**
 * The identity header's format. 1 (no `v`) named the member's id `sub` and had no `kind`; 2 adds
 * `v`, `kind` and `id`, and still names the id `sub` too, so a room object running version 1
 * during a deploy reads it (and may carry `info`, which a reader that does not know it drops).
 * 3 is 2 with `member.enforced`, a token's filter claim: it is written only for such a member, so a
 * room object of a version that cannot enforce the claim refuses the upgrade instead of serving
 * the socket more than its token allows.
 */
export const ROOM_CONNECT_VERSION = 3;

/** The oldest format that carries `member` faithfully. */
export const connectVersionOf = (member: { enforced?: unknown }): number => (member.enforced === undefined ? 2 : 3);

// Header values must be ASCII; a sub may not be, so the JSON travels percent-encoded.
export const encodeRoomConnect = (c: RoomConnect): string =>
  encodeURIComponent(
    JSON.stringify({ v: connectVersionOf(c.member), ...c, member: { ...c.member, sub: c.member.id } }),
  );

/** The upgrade as any version of the Worker (or of another room object) wrote it; a newer format is refused. */
export function decodeRoomConnect(header: string | null): z.output<typeof roomConnectSchema> {
  const raw: unknown = JSON.parse(decodeURIComponent(header ?? "null"));
  const fields = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : {};
  const v = formatVersion("the upgrade's identity", fields.v, ROOM_CONNECT_VERSION);
  const member = fields.member as Record<string, unknown> | undefined;
  if (v > 1 || typeof member !== "object" || member === null) return roomConnectSchema.parse(raw);
  return roomConnectSchema.parse({ ...fields, member: { ...member, kind: "user", id: member.sub } });
}

/** A sequence number in a query string. */
const seqParam = z
  .string()
  .regex(/^\d{1,15}$/, "since must be a sequence number")
  .transform(Number);

const flagParam = z
  .enum(["1", "true", "0", "false"])
  .optional()
  .transform((p) => p === "1" || p === "true");

/** Connect options a client may put in the query string (or the subprotocol list for `since`). */
export const connectQuerySchema = z.object({
  since: seqParam.optional(),
  presence: flagParam,
  batch: flagParam,
});

/** `?events=a,order.*&tags=region:eu,region:us` on a connect or a history read; undefined means every message. */
export const filterQuerySchema = z
  .object({ events: z.string().optional(), tags: z.string().optional() })
  .transform((q, ctx): Filter | undefined => {
    const spec = parseFilterQuery(q.events, q.tags);
    if (typeof spec !== "string") return filterOf(spec);
    ctx.addIssue({ code: "custom", message: spec });
    return z.NEVER;
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

/**
 * A user in presence as a room reports it: their open sockets, and the `info` claim (JSON text) of
 * their most recently opened one, when it had one. The Worker answers it parsed (`PresentUser`).
 */
export type PresentUserRow = { id: string; connections: number; info?: string | undefined };
export type PresenceSnapshot = { connections: number; users: PresentUserRow[] };
/** A user in presence as `GET …/presence` answers: `info` is the claim's JSON object. */
export type PresentUser = { id: string; connections: number; info?: MemberInfo | undefined };

/** An error body another service (a room, through the Worker) answered with. */
export const errorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

// ---- Usage and the rooms list (src/usage) ----

/** An instant in a query string: RFC 3339 with a zone (`2026-12-01T10:00:00Z`), as epoch ms. */
const instantParam = z.iso
  .datetime({ offset: true, message: "must be an RFC 3339 time with a zone, like 2026-12-01T10:00:00Z" })
  .transform((s) => Date.parse(s));

/** `GET /v1/admin/usage` query; the range's own rules (retention, order) are checked in src/usage/buckets.ts. */
export const usageQuerySchema = z.object({
  from: instantParam.optional(),
  to: instantParam.optional(),
  step: z.enum(["minute", "hour"], { message: "step must be minute or hour" }).default("minute"),
});

/** `GET /v1/operator/usage` query: the tenant's usage as its own admin reads it. */
export const operatorUsageQuerySchema = usageQuerySchema.extend({
  tenant: z.string({ message: "tenant is required" }).regex(TENANT_PATTERN, "tenant must be a tenant id"),
});

/** `GET /v1/admin/rooms` query. */
export const roomsQuerySchema = z.object({
  prefix: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{0,128}$/, "prefix must be 0-128 characters of A-Z a-z 0-9 _ . : -")
    .default(""),
  sort: z.enum(["name", "connections"], { message: "sort must be name or connections" }).default("name"),
  cursor: z.string().max(512, "cursor is not one this API gave out").optional(),
  limit: z
    .string()
    .regex(/^\d{1,4}$/, "limit must be 1-1000")
    .transform(Number)
    .pipe(z.number().int().min(1, "limit must be 1-1000").max(1000, "limit must be 1-1000"))
    .default(100),
});

/** A rooms-list cursor's content (base64url JSON, opaque to clients): the sort it belongs to and the last entry. */
export const roomsCursorSchema = z.object({
  sort: z.enum(["name", "connections"]),
  room: roomSchema,
  connections: z.number().int().min(0).optional(),
});

/** One counter's increase in one minute (src/usage/metrics.ts), as a meter keeps it in storage. */
export const countDeltaSchema = z.object({
  minute: z.number().int(),
  counter: z.enum([
    "connects",
    "disconnects",
    "messages",
    "deliveries",
    "bytesDelivered",
    "historyReads",
    "refusals",
    "webhooks",
  ]),
  label: z.string(),
  value: z.number().int(),
});

/** A flush in flight (src/usage/report.ts), as a meter keeps it in storage until it is confirmed. */
export const usageReportSchema = z.object({
  tenant: tenantSchema,
  reporter: z.string(),
  flushId: z.number().int(),
  counts: z.array(countDeltaSchema),
  live: z
    .object({ room: roomSchema, connections: z.number().int(), users: z.number().int(), peak: z.number().int() })
    .optional(),
});

// ---- Webhooks (src/webhooks) ----
// Queue messages are parsed with these schemas too: a message written by an older version must
// still parse (fields are only ever added, optional).

const endpointIdSchema = z.string().regex(ENDPOINT_ID_PATTERN);
const eventTypesSchema = z
  .array(z.enum(WEBHOOK_EVENT_TYPES))
  .min(1)
  .max(16)
  .transform((types) => [...new Set(types)]);
const webhookRoomsSchema = z.array(roomGrantSchema).min(1).max(100);
// The URL rules (https, public host, no credentials) are checked by the route: they depend on
// configuration and have their own error code.
const webhookUrlSchema = z.string().min(1).max(MAX_OUTBOUND_URL_LENGTH);

/** `POST …/webhooks` body. Without `rooms` the endpoint hears every room. */
export const endpointCreateSchema = z.strictObject({
  url: webhookUrlSchema,
  events: eventTypesSchema,
  rooms: webhookRoomsSchema.optional(),
});
export type EndpointCreate = z.infer<typeof endpointCreateSchema>;

/** `PATCH …/webhooks/{id}` body: `rooms: null` hears every room again; `status: "enabled"` turns a disabled endpoint back on. */
export const endpointPatchSchema = z
  .strictObject({
    url: webhookUrlSchema.optional(),
    events: eventTypesSchema.optional(),
    rooms: webhookRoomsSchema.nullable().optional(),
    status: z.enum(["enabled", "disabled"]).optional(),
  })
  .refine((p) => Object.keys(p).length > 0, "name at least one of url, events, rooms, status");
export type EndpointPatch = z.infer<typeof endpointPatchSchema>;

/** An event as the queue carries it: what the consumer filters on, and the event's JSON as sent. */
export const queuedEventSchema = z.object({
  id: z.string().min(1).max(128),
  type: z.enum(WEBHOOK_EVENT_TYPES),
  room: roomSchema,
  /** The event's JSON text, spliced verbatim into the POST body. */
  body: z.string().min(2),
});
export type QueuedEvent = z.infer<typeof queuedEventSchema>;

/**
 * A message on the webhook queue (and, moved or sent there, on its dead-letter queue).
 *
 * - A hand-off from an outbox: `origin` names the object holding the events, `attempt` is 0 and
 *   `endpoints` is absent (every endpoint that subscribes).
 * - A retry, sent by the consumer with a delay: the endpoints that failed, `attempt` and
 *   `firstAttemptAt` carried on, `errors` their last error. `origin` goes along: the outbox is
 *   told the events are settled only when the last retry ends.
 * - A redelivery of a dead letter (`redelivery` is its id): one endpoint, no origin.
 */
export const webhookMessageSchema = z.object({
  v: z.literal(1),
  tenant: tenantSchema,
  origin: z.string().min(1).max(512).optional(),
  events: z.array(queuedEventSchema).min(1).max(MAX_EVENTS_PER_DELIVERY),
  endpoints: z.array(endpointIdSchema).max(MAX_ENDPOINTS).optional(),
  attempt: z.number().int().min(0),
  firstAttemptAt: z.number().int().optional(),
  errors: z.record(z.string(), z.string()).optional(),
  redelivery: z.string().regex(DEAD_LETTER_ID_PATTERN).optional(),
});
export type WebhookMessage = z.infer<typeof webhookMessageSchema>;

// ---- The control plane (src/control, src/tenant) ----
// What an operator sends to /v1/operator/*, and what the control plane stores and answers. Ids in
// paths are checked here too, so every route refuses the same way.

const limitValue = (name: LimitName) => z.number().int().min(LIMIT_RANGES[name].min).max(LIMIT_RANGES[name].max);

const shape = <V extends z.ZodType>(value: (name: LimitName) => V) =>
  Object.fromEntries(LIMIT_NAMES.map((n) => [n, value(n).optional()])) as Record<LimitName, z.ZodOptional<V>>;

/** Limits given when a tenant is created. */
export const limitsSchema = z.strictObject(shape(limitValue));
/** Limits changed by a PATCH: a number sets one, `null` returns it to the default. */
export const limitPatchSchema = z.strictObject(shape((n) => limitValue(n).nullable()));
export type LimitPatch = z.infer<typeof limitPatchSchema>;

const allowedOriginsSchema = z.array(originSchema).max(MAX_ALLOWED_ORIGINS);

/** `POST /v1/operator/tenants` */
export const createTenantSchema = z.strictObject({
  id: tenantSchema,
  limits: limitsSchema.optional(),
  allowedOrigins: allowedOriginsSchema.optional(),
});
export type CreateTenant = z.infer<typeof createTenantSchema>;

/** `PATCH /v1/operator/tenants/{tenant}`: `null` clears a limit or the tenant's own origin list. */
export const updateTenantSchema = z
  .strictObject({
    status: z.enum(["active", "suspended"]).optional(),
    limits: limitPatchSchema.optional(),
    allowedOrigins: allowedOriginsSchema.nullable().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, "give at least one of status, limits, allowedOrigins");
export type UpdateTenant = z.infer<typeof updateTenantSchema>;

/** ISO 8601 with a zone; `expiresAt` must be in the future (checked against the clock by the route). */
const isoInstant = z.iso.datetime({ offset: true }).transform((s) => Date.parse(s));

/** `POST /v1/operator/tenants/{tenant}/api-keys` */
export const createApiKeySchema = z.strictObject({
  scopes: z
    .array(z.enum(API_KEY_SCOPES))
    .min(1)
    .transform((s) => [...new Set(s)]),
  name: z.string().min(1).max(100).optional(),
  expiresAt: isoInstant.optional(),
});

/** A JWK registered through the API: public, usable for signatures, addressable by its kid. */
const apiJwkSchema = publicJwkSchema.refine((jwk) => KID_PATTERN.test(jwk.kid), {
  message: "kid must be 1-128 of A-Z a-z 0-9 _ . : = + -",
  path: ["kid"],
});

/**
 * `POST /v1/operator/tenants/{tenant}/signing-keys`: one public JWK, or the tenant's JWKS URL. Not a
 * union, so a refusal names the member at fault (`jwk.d`), not "invalid input".
 */
export const addSigningKeySchema = z
  .strictObject({ jwk: apiJwkSchema.optional(), jwksUrl: z.string().min(1).max(2048).optional() })
  .refine((b) => (b.jwk === undefined) !== (b.jwksUrl === undefined), "give exactly one of jwk or jwksUrl");
export type AddSigningKey = z.infer<typeof addSigningKeySchema>;

const pageLimit = z
  .string()
  .regex(/^\d{1,3}$/, `limit must be 1-${MAX_PAGE}`)
  .transform(Number)
  .pipe(z.number().int().min(1).max(MAX_PAGE))
  .optional();

export const listQuerySchema = z.object({ cursor: z.string().min(1).max(200).optional(), limit: pageLimit });
export const auditQuerySchema = listQuerySchema.extend({ tenant: tenantSchema.optional() });

/** A stored public JWK; `fingerprint` tells apart two keys that share a kid. */
export type Jwk = z.infer<typeof publicJwkSchema>;
export const signingKeySchema = z.object({ kid: z.string(), jwk: publicJwkSchema, fingerprint: z.string() });
export type SigningKey = z.infer<typeof signingKeySchema>;

/** What the hot path caches about a tenant: one read of its object. */
export type TenantSnapshot = {
  /** False when the tenant has no record: then it is active with the default limits. */
  managed: boolean;
  status: TenantStatus;
  limits: LimitOverrides;
  /** The tenant's own browser origins for connects; null means ALLOWED_ORIGINS applies. */
  allowedOrigins: string[] | null;
  /** Registered JWKs, then every jwksUrl's last good set. */
  signingKeys: SigningKey[];
  jwksUrls: number;
  /** When the record last changed (0: no record); absent from a tenant object older than it. */
  at?: number;
};

export type TenantRecord = {
  id: string;
  status: TenantStatus;
  limits: LimitOverrides;
  allowedOrigins: string[] | null;
  createdAt: number;
  updatedAt: number;
};

export type ApiKeyRow = {
  id: string;
  tenant: string;
  scopes: ApiKeyScope[];
  name: string | null;
  hash: string;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
};

export type SigningEntry = {
  /** A JWK's kid, or the generated id of a jwksUrl entry. */
  id: string;
  jwksUrl: string | null;
  keys: SigningKey[];
  createdAt: number;
  fetchedAt: number | null;
};

/** An answer from the tenant's object: a value, or a refusal the Worker turns into a GatewayError. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; code: "not_found" | "conflict"; message: string };
