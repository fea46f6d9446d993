// Settings from [vars] and secrets, validated once per isolate; a bad value names its variable.
import { z } from "zod";
import { oncePer } from "./once-per.ts";
import {
  type ApiKeyRecord,
  apiKeyRecordsSchema,
  jwksSchema,
  type OperatorKeyRecord,
  operatorKeyRecordsSchema,
  originSchema,
} from "./protocol.ts";

const int = (min: number, max: number, fallback: number) =>
  z
    .string()
    .optional()
    .transform((s) => (s === undefined || s === "" ? String(fallback) : s))
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const optionalText = z
  .string()
  .optional()
  .transform((s) => (s === undefined || s === "" ? undefined : s));

const jsonText = <T extends z.ZodType>(schema: T) =>
  optionalText.transform((s, ctx): z.infer<T> | undefined => {
    if (s === undefined) return undefined;
    let raw: unknown;
    try {
      raw = JSON.parse(s);
    } catch {
      ctx.addIssue({ code: "custom", message: "is not valid JSON" });
      return z.NEVER;
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      ctx.addIssue({ code: "custom", message: z.prettifyError(parsed.error) });
      return z.NEVER;
    }
    return parsed.data;
  });

/** Comma list of exact origins; `*` only when set explicitly; empty refuses every browser origin. */
const originList = z
  .string()
  .optional()
  .transform((s) =>
    (s ?? "")
      .split(",")
      .map((o) => o.trim())
      .filter(Boolean),
  )
  .pipe(z.array(originSchema));

/** `"true"` turns a development setting on; empty, absent or `"false"` leaves it off. */
const devFlag = z
  .enum(["", "true", "false"], { message: 'must be "true", "false" or empty' })
  .optional()
  .transform((s) => s === "true");

/** 32 random bytes in base64 (standard or url-safe): the AES-256 key webhook secrets are encrypted with. */
const aesKeyText = optionalText.pipe(
  z
    .string()
    .regex(/^[A-Za-z0-9+/_-]{43}=?$/, "must be 32 random bytes in base64 (openssl rand -base64 32)")
    .optional(),
);

const configSchema = z
  .object({
    MAX_PAYLOAD_BYTES: int(1, 1_000_000, 65_536),
    CLIENT_PUBLISH_BURST: int(1, 10_000_000, 20),
    CLIENT_PUBLISH_WINDOW_SECONDS: int(1, 3_600, 10),
    CLIENT_USER_PUBLISH_BURST: int(1, 10_000_000, 40),
    ABUSE_STRIKES: int(1, 1_000, 10),
    MAX_CONNECTIONS_PER_USER: int(1, 32_768, 10),
    MAX_CONNECTIONS_PER_ROOM: int(1, 32_768 * 64, 10_000),
    ROOM_SHARDS: int(1, 64, 1),
    MAX_TOKEN_LIFETIME_SECONDS: int(60, 30 * 24 * 3_600, 24 * 3_600),
    ALLOWED_ORIGINS: originList,
    HISTORY_MAX_MESSAGES: int(0, 100_000, 1_000),
    HISTORY_MAX_AGE_SECONDS: int(0, 7 * 24 * 3_600, 600),
    HISTORY_PAGE_MAX_BYTES: int(1_024, 16 * 1_048_576, 1_048_576),
    BATCH_MAX_MESSAGES: int(1, 1_000, 100),
    JWT_CLOCK_TOLERANCE_SECONDS: int(0, 30, 5),
    USAGE_PARTITIONS: int(1, 64, 1),
    // "off" stops the rooms' usage counting and the Worker's refusal counts (the bench's A/B switch).
    USAGE_METER: z
      .enum(["", "on", "off"], { message: 'must be "on", "off" or empty' })
      .optional()
      .transform((s) => s !== "off"),
    JWT_ISSUER: optionalText,
    JWT_AUDIENCE: optionalText,
    // The secret's UTF-8 text is the HMAC key; short secrets are brute-forceable offline.
    JWT_SECRET: optionalText.pipe(z.string().min(32, "must be at least 32 characters").optional()),
    JWT_JWKS: jsonText(jwksSchema),
    API_KEYS: jsonText(apiKeyRecordsSchema),
    OPERATOR_KEYS: jsonText(operatorKeyRecordsSchema),
    // Development only: outbound URLs (a tenant's jwksUrl, webhook endpoints) may be http to loopback.
    DEV_ALLOW_LOOPBACK_HTTP: devFlag,
    WEBHOOK_SECRET_KEY: aesKeyText,
    // Keys the shard placement (src/room/sharding/placement.ts); a short key could be guessed.
    SHARD_PLACEMENT_KEY: optionalText.pipe(z.string().min(32, "must be at least 32 characters").optional()),
    WEBHOOK_TIMEOUT_SECONDS: int(1, 30, 10),
    WEBHOOK_RETRY_BASE_SECONDS: int(1, 3_600, 10),
    // Queues delay a message by at most 24 hours; half of that leaves room.
    WEBHOOK_RETRY_MAX_DELAY_SECONDS: int(1, 43_200, 900),
    WEBHOOK_RETRY_WINDOW_SECONDS: int(1, 7 * 24 * 3_600, 3_600),
    WEBHOOK_DISABLE_AFTER_SECONDS: int(60, 30 * 24 * 3_600, 24 * 3_600),
    WEBHOOK_HANDOFF_LEASE_SECONDS: int(1, 3_600, 60),
  })
  // One object holds at most 32,768 hibernatable sockets; a sharded room's cap must fit on its shards
  // when its users are spread evenly (a shard may take more than an even share while the room has places).
  .refine((c) => Math.ceil(c.MAX_CONNECTIONS_PER_ROOM / c.ROOM_SHARDS) <= 32_768, {
    message: "must be at most 32768 per shard (32768 × ROOM_SHARDS)",
    path: ["MAX_CONNECTIONS_PER_ROOM"],
  })
  // Signing keys may also be registered at runtime, which needs an operator key.
  .refine((c) => c.JWT_SECRET !== undefined || c.JWT_JWKS !== undefined || c.OPERATOR_KEYS !== undefined, {
    message: "set JWT_SECRET and/or JWT_JWKS (or OPERATOR_KEYS, to register signing keys at runtime)",
    path: ["JWT_SECRET"],
  });

export type Config = {
  maxPayloadBytes: number;
  clientPublishBurst: number;
  clientPublishWindowMs: number;
  /** WebSocket publishes per user per room over the same window, across reconnects. */
  clientUserPublishBurst: number;
  abuseStrikes: number;
  maxConnectionsPerUser: number;
  maxConnectionsPerRoom: number;
  /** Objects a new room spreads its sockets over; 1 = the room object holds them all. */
  roomShards: number;
  maxTokenLifetimeSeconds: number;
  /** Browser origins allowed to open sockets; `["*"]` allows any. */
  allowedOrigins: readonly string[];
  historyMaxMessages: number;
  historyMaxAgeMs: number;
  /** Bytes of frames in one history page or resume replay (at least one message is always served). */
  historyPageMaxBytes: number;
  /** Most messages coalesced into one `batch` frame for a `?batch=1` socket. */
  batchMaxMessages: number;
  clockToleranceSeconds: number;
  /** Usage objects per tenant; a room reports to the one its name picks (src/usage/partitions.ts). */
  usagePartitions: number;
  /** USAGE_METER: rooms count usage and flush it, and the Worker counts its refusals (on unless "off"). */
  usageMeter: boolean;
  issuer: string | undefined;
  audience: string | undefined;
  jwtSecret: string | undefined;
  jwks: z.infer<typeof jwksSchema> | undefined;
  apiKeys: ReadonlyMap<string, ApiKeyRecord>;
  /** Keys that reach only /v1/operator/*, by id. */
  operatorKeys: ReadonlyMap<string, OperatorKeyRecord>;
  /** Outbound URLs may be http:// to a loopback address (development only). */
  devAllowLoopbackHttp: boolean;
  /** Keys where a user's sockets land in a sharded room; without it, the unkeyed placement of earlier versions. */
  shardPlacementKey: string | undefined;
  webhooks: WebhookSettings;
};

/** Webhook delivery settings (docs/configuration.md); durations in milliseconds. */
export type WebhookSettings = {
  /** Base64 AES-256 key that encrypts endpoint signing secrets at rest; webhooks are off without it. */
  secretKey: string | undefined;
  timeoutMs: number;
  retryBaseMs: number;
  retryMaxDelayMs: number;
  /** Failed deliveries are retried until this long after their first attempt, then dead-lettered. */
  retryWindowMs: number;
  /** An endpoint whose every delivery failed for this long is disabled. */
  disableAfterMs: number;
  /**
   * How long an outbox waits for the consumer's word on events it handed over before handing them
   * over again (doubling per hand-off); a retry's report holds them its delay plus twice this.
   */
  handoffLeaseMs: number;
};

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** The name of every variable and secret the gateway reads. */
export type ConfigVarName = keyof z.input<typeof configSchema>;
/** Every variable and secret the gateway reads, at run time (the tests pin each one). */
export const CONFIG_VAR_NAMES = Object.keys(configSchema.shape) as ConfigVarName[];
/** The variables and secrets the gateway reads: a Worker's env, or `.dev.vars` + `[vars]` in scripts. */
export type ConfigVars = Partial<Record<ConfigVarName, unknown>>;

export function parseConfig(env: ConfigVars): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "config"}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
  }
  const c = parsed.data;
  return {
    maxPayloadBytes: c.MAX_PAYLOAD_BYTES,
    clientPublishBurst: c.CLIENT_PUBLISH_BURST,
    clientPublishWindowMs: c.CLIENT_PUBLISH_WINDOW_SECONDS * 1000,
    clientUserPublishBurst: c.CLIENT_USER_PUBLISH_BURST,
    abuseStrikes: c.ABUSE_STRIKES,
    maxConnectionsPerUser: c.MAX_CONNECTIONS_PER_USER,
    maxConnectionsPerRoom: c.MAX_CONNECTIONS_PER_ROOM,
    roomShards: c.ROOM_SHARDS,
    maxTokenLifetimeSeconds: c.MAX_TOKEN_LIFETIME_SECONDS,
    allowedOrigins: c.ALLOWED_ORIGINS,
    historyMaxMessages: c.HISTORY_MAX_MESSAGES,
    historyMaxAgeMs: c.HISTORY_MAX_AGE_SECONDS * 1000,
    historyPageMaxBytes: c.HISTORY_PAGE_MAX_BYTES,
    batchMaxMessages: c.BATCH_MAX_MESSAGES,
    clockToleranceSeconds: c.JWT_CLOCK_TOLERANCE_SECONDS,
    usagePartitions: c.USAGE_PARTITIONS,
    usageMeter: c.USAGE_METER,
    issuer: c.JWT_ISSUER,
    audience: c.JWT_AUDIENCE,
    jwtSecret: c.JWT_SECRET,
    jwks: c.JWT_JWKS,
    apiKeys: new Map((c.API_KEYS ?? []).map((k) => [k.id, k])),
    operatorKeys: new Map((c.OPERATOR_KEYS ?? []).map((k) => [k.id, k])),
    devAllowLoopbackHttp: c.DEV_ALLOW_LOOPBACK_HTTP,
    shardPlacementKey: c.SHARD_PLACEMENT_KEY,
    webhooks: {
      secretKey: c.WEBHOOK_SECRET_KEY,
      timeoutMs: c.WEBHOOK_TIMEOUT_SECONDS * 1000,
      retryBaseMs: c.WEBHOOK_RETRY_BASE_SECONDS * 1000,
      retryMaxDelayMs: c.WEBHOOK_RETRY_MAX_DELAY_SECONDS * 1000,
      retryWindowMs: c.WEBHOOK_RETRY_WINDOW_SECONDS * 1000,
      disableAfterMs: c.WEBHOOK_DISABLE_AFTER_SECONDS * 1000,
      handoffLeaseMs: c.WEBHOOK_HANDOFF_LEASE_SECONDS * 1000,
    },
  };
}

// The env object is stable for an isolate's life, so parsing happens once per isolate.
export const configFor: (env: ConfigVars & object) => Config = oncePer(parseConfig);
