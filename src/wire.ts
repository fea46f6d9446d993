// The wire without a validator: names, patterns, limits, close and error codes, and the frames the
// gateway sends, each beside its encoder. The Worker, the room and the client SDK all import from
// here, so nothing is mirrored; the zod schemas that check what clients send are in protocol.ts.

export const ROOM_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
export const TENANT_PATTERN = /^[a-z0-9_-]{1,64}$/;
/** The room the seed routes `GET /ws` and `POST /broadcast` alias. */
export const DEFAULT_ROOM = "default";
/** Offered by clients in `Sec-WebSocket-Protocol`; the gateway answers with it. */
export const SUBPROTOCOL = "broadcast.v1";
export const BEARER_SUBPROTOCOL_PREFIX = "bearer.";
/** `since.<seq>` in the subprotocol list resumes like `?since=<seq>` (browsers reconnecting). */
export const SINCE_SUBPROTOCOL_PREFIX = "since.";
/** Answered by the runtime without waking the room: send exactly these bytes. */
export const PING_FRAME = '{"type":"ping"}';
export const PONG_FRAME = '{"type":"pong"}';

/** Tokens larger than this are refused before any crypto work. */
export const MAX_TOKEN_BYTES = 8192;
/** A sub becomes a socket tag `u:<sub>`; the runtime caps tags at 256 UTF-8 bytes. */
export const MAX_USER_ID_BYTES = 200;
export const MAX_EVENT_LENGTH = 64;
export const MAX_REF_LENGTH = 64;

// Labels that get displayed (events, tag values): no control characters (C0, DEL, C1), no lone surrogates.
const CONTROL_OR_LONE_SURROGATE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  /[\u0000-\u001F\u007F-\u009F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Code points, counted only when UTF-16 units alone cannot decide (astral characters take two). */
function withinCodePoints(s: string, max: number): boolean {
  if (s.length <= max) return true;
  let n = 0;
  for (const _ of s) if (++n > max) return false;
  return true;
}

/** 1–`max` code points of displayable text: the rule for event names and tag values. */
export const isLabel = (s: string, max: number): boolean =>
  s.length >= 1 && withinCodePoints(s, max) && !CONTROL_OR_LONE_SURROGATE.test(s);

/** Tags on a message: at most this many key/value pairs. */
export const MAX_TAGS = 8;
export const TAG_KEY_PATTERN = /^[a-z0-9_.-]{1,32}$/;
export const MAX_TAG_VALUE_LENGTH = 64;
/** A subscriber's filter: at most this many event entries and this many tag key:value pairs. */
export const MAX_FILTER_EVENTS = 16;
export const MAX_FILTER_TAG_PAIRS = 16;
/** A token's `info` claim (member data shown in presence): a JSON object of at most this many bytes serialized. */
export const MAX_INFO_BYTES = 1024;
/**
 * A token's `filter` claim, serialized, on top of the filter syntax's own limits: with a client's
 * own filter and `info` at their largest, the socket's attachment stays within the runtime's 16 KiB.
 */
export const MAX_FILTER_CLAIM_BYTES = 2048;
/** Messages in one `POST …/messages/batch`. */
export const MAX_BATCH_PUBLISH = 100;
/** Rooms in one `POST /v1/messages`. */
export const MAX_MULTI_ROOM_PUBLISH = 100;
/**
 * `Idempotency-Key` (and a publish frame's `key`): 1–128 printable ASCII characters. No leading or
 * trailing space, since HTTP trims header values: a key must mean the same on both paths.
 */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7E](?:[\x20-\x7E]{0,126}[\x21-\x7E])?$/;
export const IDEMPOTENCY_KEY_HEADER = "idempotency-key";
/** Set to `true` on a publish answered from the idempotency record instead of published again. */
export const IDEMPOTENT_REPLAYED_HEADER = "idempotent-replayed";

export const USER_SCOPES = ["subscribe", "publish", "presence"] as const;
export type UserScope = (typeof USER_SCOPES)[number];
/** A tenant's status in the control plane: only an active tenant's credentials are served. */
export const TENANT_STATUSES = ["active", "suspended", "deleted"] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

export const API_KEY_SCOPES = ["publish", "presence", "admin"] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];
export type Scope = UserScope | ApiKeyScope;

/** WebSocket close codes. 4xxx codes are terminal for a client unless it can fix the cause. */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  /** No close frame: the network dropped, the gateway restarted, or (in browsers) the upgrade failed. */
  abnormal: 1006,
  /** Repeated invalid frames. */
  policyViolation: 1008,
  internalError: 1011,
  /** The token expired and was not refreshed in time: reconnect only with a new token. */
  tokenExpired: 4001,
  /** The token was revoked: do not reconnect with it. */
  tokenRevoked: 4002,
  /** An operator disconnected this user or connection. */
  disconnected: 4003,
  /** The tenant was suspended or deleted: do not reconnect until an operator resumes it. */
  tenantSuspended: 4004,
} as const;

/**
 * A refused upgrade that offered `broadcast.v1` is accepted, sent one `error` frame and closed with
 * this plus the HTTP status the refusal would have had (4401, 4403, 4429…), the error code as the
 * reason: browsers cannot read the status of a refused upgrade (PROTOCOL.md, "Refused upgrades").
 */
export const REFUSED_UPGRADE_CLOSE_BASE = 4000;
/** A close frame's reason holds at most 123 bytes. */
export const MAX_CLOSE_REASON_BYTES = 123;

/** Why a user token is refused (401). */
export const TOKEN_ERROR_CODES = [
  "missing_token",
  "invalid_token",
  "token_expired",
  "token_not_yet_valid",
  "invalid_signature",
  "invalid_algorithm",
  "unknown_key",
  "invalid_claims",
  "token_revoked",
] as const;

/** Every `code` in an HTTP error body or an `error` frame. */
export const ERROR_CODES = [
  ...TOKEN_ERROR_CODES,
  "invalid_api_key",
  "revoked_api_key",
  "forbidden",
  "forbidden_origin",
  "tenant_suspended",
  "not_found",
  "conflict",
  "invalid_room",
  "invalid_id",
  "invalid_json",
  "invalid_body",
  "invalid_query",
  "invalid_filter",
  "invalid_idempotency_key",
  "invalid_message",
  "unsupported",
  "payload_too_large",
  "unsupported_media_type",
  "idempotency_key_reused",
  "upgrade_required",
  "rate_limited",
  "too_many_connections",
  "invalid_url",
  "too_many_endpoints",
  "too_many_revocations",
  "endpoint_disabled",
  "webhooks_unavailable",
  "internal",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export type Sender = { kind: "user" | "api_key"; id: string };
/** Recipients of a targeted message: users (every connection of each) and single connections. */
export type Target = { users?: string[] | undefined; connections?: string[] | undefined };
export type Exclude = { connections?: string[] | undefined };
export type Ref = string | number;
/** A message's tags, as published: key -> value. */
export type Tags = Record<string, string>;
/** A filter as a client states it: event names (or `prefix.*`), and for each tag key the values accepted. */
export type FilterSpec = { events?: string[] | undefined; tags?: Record<string, string[]> | undefined };

// Client -> server frames (checked by the room with protocol.ts).
export type PublishFrame = {
  type: "publish";
  event: string;
  payload: unknown;
  tags?: Tags | undefined;
  to?: Target | undefined;
  exclude?: Exclude | undefined;
  ref?: Ref | undefined;
  /** Idempotency key: a repeat from the same user within the history window is acknowledged, not published again. */
  key?: string | undefined;
  /** Delivered live only: no seq, never stored or replayed; a key is not recorded for it. */
  ephemeral?: true | undefined;
};
export type RefreshFrame = { type: "refresh"; token: string };
/** Replaces the socket's filter; neither part clears it. */
export type FilterFrame = { type: "filter" } & FilterSpec;

// Server -> client frames and their encoders.
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
  /** Absent when the message was published without tags. */
  tags?: Tags;
  payload: unknown;
  sender: Sender;
  ts: number;
};
/**
 * A message published with `"ephemeral": true`: delivered live only, so it has no `seq` (it is
 * never stored, replayed or counted in a resume), and says so with `"ephemeral": true`.
 */
export type EphemeralFrame = Omit<MessageFrame, "seq"> & { ephemeral: true };
/** Either kind of message frame: a client tells them apart by `ephemeral`. */
export type LiveMessageFrame = MessageFrame | EphemeralFrame;
/** Consecutive messages in one frame, in the order they were sent (`?batch=1` sockets only). */
export type BatchFrame = { type: "batch"; messages: LiveMessageFrame[] };
/**
 * The socket's filter now in force (what it asked, narrowed by its token's `filter` claim),
 * normalized; empty lists mean no constraint, unless `empty` says that no message can pass.
 */
export type FilteredFrame = { type: "filtered"; events: string[]; tags: Record<string, string[]>; empty?: true };
/** An ephemeral publish's ack has `"ephemeral": true` instead of a `seq`. */
export type AckFrame = { type: "ack"; ref: Ref; id: string; delivered: number } & (
  | { seq: number }
  | { ephemeral: true }
);
/**
 * `retryAfter` (seconds): on a refused connect whose HTTP answer would carry Retry-After (whole
 * seconds), and on a `rate_limited` frame (to the millisecond: when the budget has room again).
 */
export type ErrorFrame = { type: "error"; code: string; message: string; ref?: Ref; retryAfter?: number };
export type RefreshedFrame = { type: "refreshed"; exp: number };
/** What a member's token says about them (its `info` claim), shown to presence watchers. */
export type MemberInfo = Record<string, unknown>;
/**
 * `join` and `update` (a refresh changed the member's info) carry the connection's info, when its
 * token had one; `leave` never does.
 */
export type PresenceFrame = {
  type: "presence";
  action: "join" | "leave" | "update";
  user: string;
  connectionId: string;
  info?: MemberInfo;
};
export type PongFrame = { type: "pong" };
export type ServerFrame =
  | WelcomeFrame
  | MessageFrame
  | EphemeralFrame
  | BatchFrame
  | FilteredFrame
  | AckFrame
  | ErrorFrame
  | RefreshedFrame
  | PresenceFrame
  | PongFrame;

export type ErrorBody = { error: { code: string; message: string; details?: unknown } };

/** A message's fields but its payload; without `seq` for an ephemeral message. */
export type MessageMeta = Omit<MessageFrame, "type" | "payload" | "tags" | "seq"> & {
  seq: number | undefined;
  tags?: Tags | undefined;
};

/**
 * Same bytes as JSON.stringify of a MessageFrame (an EphemeralFrame when `seq` is undefined), with
 * `payloadJson` inserted verbatim: a message is encoded once per publish and its payload is never
 * parsed or serialized per recipient.
 */
export function encodeMessageFrame(m: MessageMeta, payloadJson: string): string {
  const tags = m.tags === undefined ? "" : `"tags":${JSON.stringify(m.tags)},`;
  const id = JSON.stringify(m.id);
  const head = m.seq === undefined ? `"ephemeral":true,"id":${id}` : `"id":${id},"seq":${m.seq}`;
  return (
    `{"type":"message",${head},"room":${JSON.stringify(m.room)},` +
    `"event":${JSON.stringify(m.event)},${tags}"payload":${payloadJson},` +
    `"sender":{"kind":${JSON.stringify(m.sender.kind)},"id":${JSON.stringify(m.sender.id)}},"ts":${m.ts}}`
  );
}

/** Same bytes as JSON.stringify of a BatchFrame, from message frames already encoded: nothing is re-serialized. */
export function encodeBatchFrame(frames: readonly string[]): string {
  return `{"type":"batch","messages":[${frames.join(",")}]}`;
}

export const encodeFiltered = (f: Omit<FilteredFrame, "type">) =>
  JSON.stringify({ type: "filtered", events: f.events, tags: f.tags, empty: f.empty } satisfies FilteredFrame);

export const encodeWelcome = (w: Omit<WelcomeFrame, "type">) => JSON.stringify({ type: "welcome", ...w });
export const encodeAck = (a: Omit<AckFrame, "type">) => JSON.stringify({ type: "ack", ...a });
export const encodeRefreshed = (exp: number) => JSON.stringify({ type: "refreshed", exp } satisfies RefreshedFrame);
/** A presence frame with `infoJson` (the member's `info`, already JSON text) spliced in verbatim. */
export function encodePresence(p: Omit<PresenceFrame, "type" | "info">, infoJson?: string): string {
  const json = JSON.stringify({ type: "presence", action: p.action, user: p.user, connectionId: p.connectionId });
  return infoJson === undefined ? json : `${json.slice(0, -1)},"info":${infoJson}}`;
}

export function encodeError(code: string, message: string, ref?: Ref, retryAfter?: number): string {
  const frame: ErrorFrame = { type: "error", code, message };
  if (ref !== undefined) frame.ref = ref;
  if (retryAfter !== undefined) frame.retryAfter = retryAfter;
  return JSON.stringify(frame);
}

/** The one frame a refused upgrade sends before it closes. */
export const encodeRefusal = (code: string, message: string, retryAfter: number | undefined): string =>
  encodeError(code, message, undefined, retryAfter);

/** A history page, `{"messages":[…],"seq":n,"next"?:m}`, from stored frames without parsing them. */
export function encodeHistoryPage(frames: readonly string[], lastSeq: number, next: number | undefined): string {
  return `{"messages":[${frames.join(",")}],"seq":${lastSeq}${next === undefined ? "" : `,"next":${next}`}}`;
}

// ---- Webhooks (src/webhooks) ----

export const WEBHOOK_EVENT_TYPES = [
  "room.occupied",
  "room.vacated",
  "presence.joined",
  "presence.left",
  "message.published",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Endpoints a tenant may have. */
export const MAX_ENDPOINTS = 10;
/** One POST carries at most this many events, and at most MAX_DELIVERY_BYTES of body (one larger event goes alone). */
export const MAX_EVENTS_PER_DELIVERY = 100;
export const MAX_DELIVERY_BYTES = 256 * 1024;
/** After a rotation the previous secret keeps signing this long. */
export const PREVIOUS_SECRET_GRACE_MS = 24 * 3_600_000;

export const ENDPOINT_ID_PATTERN = /^we_[a-z0-9]{20}$/;
export const DEAD_LETTER_ID_PATTERN = /^dl_[a-z0-9]{20}$/;

export type EndpointStatus = "enabled" | "disabled";

/** An endpoint as the API shows it (never its secret). Times are epoch milliseconds. */
export type WebhookEndpoint = {
  id: string;
  url: string;
  events: WebhookEventType[];
  /** Room names and `prefix*` patterns; absent means every room. */
  rooms?: string[];
  status: EndpointStatus;
  /** Why the endpoint was disabled (by the gateway after failing, or by a PATCH). */
  disabledReason?: string;
  /** Set while every delivery since then has failed; cleared by a success. */
  failingSince?: number;
  lastError?: string;
  /** Until when the previous secret also signs, after a rotation. */
  previousSecretExpiresAt?: number;
  createdAt: number;
  updatedAt: number;
};

/** A dead-lettered delivery as `GET …/failures` lists it. */
export type DeadLetterView = {
  id: string;
  endpoint: string;
  eventIds: string[];
  attempts: number;
  firstAttemptAt: number;
  lastAttemptAt: number;
  lastError: string;
};

// ---- The control plane (src/control, src/tenant) ----

export const KEY_ID_PATTERN = /^[A-Za-z0-9]{1,32}$/;
/** A signing key's kid as the API addresses it in a path; a JWK whose kid does not fit is refused. */
export const KID_PATTERN = /^[A-Za-z0-9_.:=+-]{1,128}$/;
/** Most entries (JWKs and jwksUrls) one tenant may register: each is in every cached snapshot. */
export const MAX_SIGNING_ENTRIES = 20;
export const MAX_ALLOWED_ORIGINS = 100;
export const MAX_PAGE = 100;
export const DEFAULT_PAGE = 50;

/** Each limit's range; an unset limit takes the default in `effectiveLimits`. */
export const LIMIT_RANGES = {
  /** Sockets across every room and shard of the tenant; no default (unlimited). */
  maxConnections: { min: 1, max: 10_000_000 },
  /** Sockets in one room; default MAX_CONNECTIONS_PER_ROOM. */
  maxRoomConnections: { min: 1, max: 32_768 * 64 },
  /** Publishes a second across the tenant (HTTP and WebSocket), on top of each publisher's own limit; no default. */
  publishPerSecond: { min: 1, max: 100_000 },
  /** One message's payload; default MAX_PAYLOAD_BYTES. */
  maxPayloadBytes: { min: 1, max: 1_000_000 },
  /** How long rooms keep messages for resume and history; default HISTORY_MAX_AGE_SECONDS. */
  historyMaxAgeSeconds: { min: 0, max: 7 * 24 * 3_600 },
} as const;

export type LimitName = keyof typeof LIMIT_RANGES;
export const LIMIT_NAMES = Object.keys(LIMIT_RANGES) as LimitName[];
/** The limits a tenant's record sets; the others follow the gateway's defaults. */
export type LimitOverrides = Partial<Record<LimitName, number>>;
