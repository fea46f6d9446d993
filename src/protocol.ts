// The wire: every schema a client, publisher or operator sends or receives, and its inferred type.
// Other modules parse input only through these schemas.
import { z } from "zod";
import { exceedsBytes } from "./utf8.ts";

export const ROOM_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
export const TENANT_PATTERN = /^[a-z0-9_-]{1,64}$/;
/** The room the seed routes `GET /ws` and `POST /broadcast` alias. */
export const DEFAULT_ROOM = "default";
/** Offered by clients in `Sec-WebSocket-Protocol`; the gateway answers with it. */
export const SUBPROTOCOL = "broadcast.v1";
export const BEARER_SUBPROTOCOL_PREFIX = "bearer.";
/** `since.<seq>` in the subprotocol list resumes like `?since=<seq>` (browsers reconnecting). */
export const SINCE_SUBPROTOCOL_PREFIX = "since.";

export const roomSchema = z.string().regex(ROOM_PATTERN);
export const tenantSchema = z.string().regex(TENANT_PATTERN);

export const USER_SCOPES = ["subscribe", "publish", "presence"] as const;
export type UserScope = (typeof USER_SCOPES)[number];
export const API_KEY_SCOPES = ["publish", "presence", "admin"] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];
export type Scope = UserScope | ApiKeyScope;

// A sub becomes a socket tag `u:<sub>`; the runtime caps tags at 256 UTF-8 bytes.
const MAX_USER_ID_BYTES = 200;
const subSchema = z
  .string()
  .min(1)
  .refine((s) => !exceedsBytes(s, MAX_USER_ID_BYTES), `must be at most ${MAX_USER_ID_BYTES} UTF-8 bytes`);
const connectionIdSchema = z.string().min(1).max(64);

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
    .optional()
    .transform((s, ctx) => {
      const words = (s ?? "subscribe").split(" ").filter(Boolean);
      const bad = words.filter((w) => !(USER_SCOPES as readonly string[]).includes(w));
      if (bad.length > 0) {
        ctx.addIssue({ code: "custom", message: `unknown scope: ${bad.join(", ")}` });
        return z.NEVER;
      }
      return words as UserScope[];
    }),
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
});
const excludeSchema = z.strictObject({ connections: z.array(connectionIdSchema).max(1000).optional() });
// Events are labels that get displayed: no control characters (C0, DEL, C1), no lone surrogates.
const CONTROL_OR_LONE_SURROGATE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  /[\u0000-\u001F\u007F-\u009F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const eventSchema = z
  .string()
  .min(1)
  .max(64)
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

const refSchema = z.union([z.string().max(64), z.number().int()]);

/** Frames a client may send. Strict: a forged `sender`, `seq` or `id` is an invalid message. */
export const clientFrameSchema = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("publish"),
    event: eventSchema,
    payload: payloadSchema,
    to: targetSchema.optional(),
    exclude: excludeSchema.optional(),
    ref: refSchema.optional(),
  }),
  z.strictObject({ type: z.literal("ping") }),
  z.strictObject({ type: z.literal("refresh"), token: z.string().min(1).max(8192) }),
]);
export type ClientFrame = z.infer<typeof clientFrameSchema>;
export type Ref = z.infer<typeof refSchema>;
/** Reads a `ref` from a frame that failed validation, so its error can still be correlated. */
export const looseRefSchema = z.looseObject({ ref: refSchema });

export type Target = z.infer<typeof targetSchema>;
export type Exclude = z.infer<typeof excludeSchema>;

export type Sender = { kind: "user" | "api_key"; id: string };

/** What a publish asks of a room, from either path, after validation and stamping. */
export type PublishRequest = {
  room: string;
  sender: Sender;
  event: string;
  /** The payload already serialized once, so the room never re-serializes it. */
  payloadJson: string;
  to?: Target | undefined;
  exclude?: Exclude | undefined;
};
export type PublishResult = { id: string; seq: number; delivered: number };

/** Header the Worker sets on the upgrade it forwards to a room; client headers are never forwarded. */
export const IDENTITY_HEADER = "x-gateway-identity";
/** Identity the Worker hands the room for a new socket; it is never read from the client. */
export const connectIdentitySchema = z.object({
  tenant: tenantSchema,
  room: roomSchema,
  sub: subSchema,
  scopes: z.array(z.enum(USER_SCOPES)),
  exp: z.number().int(),
  subprotocol: z.boolean(),
  /** Resume: replay every visible message after this seq before live ones. */
  since: z.number().int().min(0).optional(),
  /** Receive presence join/leave frames. */
  presence: z.boolean(),
  /** Token id and issue time, matched against revocations. */
  jti: z.string().optional(),
  iat: z.number().optional(),
});
export type ConnectIdentity = z.infer<typeof connectIdentitySchema>;

// Header values must be ASCII; a sub may not be, so the JSON travels percent-encoded.
export const encodeIdentity = (identity: ConnectIdentity): string => encodeURIComponent(JSON.stringify(identity));
export const decodeIdentity = (header: string | null): ConnectIdentity =>
  connectIdentitySchema.parse(JSON.parse(decodeURIComponent(header ?? "null")));

/** A sequence number in a query string. */
const seqParam = z
  .string()
  .regex(/^\d{1,15}$/, "since must be a sequence number")
  .transform(Number);

/** Connect options a client may put in the query string (or the subprotocol list for `since`). */
export const connectQuerySchema = z.object({
  since: seqParam.optional(),
  presence: z.enum(["1", "true", "0", "false"]).optional(),
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

// Server -> client frames.
export type WelcomeFrame = {
  type: "welcome";
  connectionId: string;
  room: string;
  user: string;
  seq: number;
  /** Only when the client asked to resume: whether every message after `since` was replayed. */
  recovered?: boolean;
};
export type MessageFrame = {
  type: "message";
  id: string;
  seq: number;
  room: string;
  event: string;
  payload: unknown;
  sender: Sender;
  ts: number;
};
export type AckFrame = { type: "ack"; ref: Ref; id: string; seq: number; delivered: number };
export type ErrorFrame = { type: "error"; code: string; message: string; ref?: Ref };
export type RefreshedFrame = { type: "refreshed"; exp: number };
export type PresenceFrame = { type: "presence"; action: "join" | "leave"; user: string; connectionId: string };
export const PING_FRAME = '{"type":"ping"}';
export const PONG_FRAME = '{"type":"pong"}';

/** WebSocket close codes the gateway sends. 4xxx codes are terminal for a client unless it can fix the cause. */
export const CloseCode = {
  normal: 1000,
  policyViolation: 1008,
  internalError: 1011,
  /** The token expired and was not refreshed in time: reconnect only with a new token. */
  tokenExpired: 4001,
  /** The token was revoked: do not reconnect with it. */
  tokenRevoked: 4002,
  /** An operator disconnected this user or connection. */
  disconnected: 4003,
} as const;

export type ErrorBody = { error: { code: string; message: string; details?: unknown } };
