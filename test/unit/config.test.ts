import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../src/config.ts";

const SECRET = "s".repeat(32);
const JWKS = JSON.stringify({ keys: [{ kty: "EC", crv: "P-256", kid: "k1", x: "x", y: "y" }] });
const RECORD = { id: "key1", tenant: "acme", scopes: ["publish"], hash: "a".repeat(64) };

/** The ConfigError message for `env`, which must fail. */
function failureOf(env: Record<string, string>): string {
  try {
    parseConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message;
  }
  throw new Error(`configuration was accepted: ${JSON.stringify(env)}`);
}

describe("parseConfig", () => {
  it("fills every default when only a secret is set", () => {
    expect(parseConfig({ JWT_SECRET: SECRET })).toEqual({
      maxPayloadBytes: 65_536,
      clientPublishBurst: 20,
      clientPublishWindowMs: 10_000,
      clientUserPublishBurst: 40,
      abuseStrikes: 10,
      maxConnectionsPerUser: 10,
      maxConnectionsPerRoom: 10_000,
      roomShards: 1,
      maxTokenLifetimeSeconds: 86_400,
      allowedOrigins: [],
      historyMaxMessages: 1000,
      historyMaxAgeMs: 600_000,
      historyPageMaxBytes: 1_048_576,
      batchMaxMessages: 100,
      clockToleranceSeconds: 5,
      usagePartitions: 1,
      issuer: undefined,
      audience: undefined,
      jwtSecret: SECRET,
      jwks: undefined,
      apiKeys: new Map(),
      operatorKeys: new Map(),
      devAllowLoopbackHttp: false,
      webhooks: {
        secretKey: undefined,
        timeoutMs: 10_000,
        retryBaseMs: 10_000,
        retryMaxDelayMs: 900_000,
        retryWindowMs: 3_600_000,
        disableAfterMs: 86_400_000,
        handoffLeaseMs: 60_000,
      },
    });
  });

  it("reads USAGE_PARTITIONS within 1-64 and refuses it outside, naming it", () => {
    expect(parseConfig({ JWT_SECRET: SECRET, USAGE_PARTITIONS: "8" }).usagePartitions).toBe(8);
    for (const bad of ["0", "65", "two"])
      expect(failureOf({ JWT_SECRET: SECRET, USAGE_PARTITIONS: bad })).toContain("USAGE_PARTITIONS");
  });

  it("reads the webhook settings and the loopback development switch", () => {
    const key = btoa(String.fromCharCode(...new Uint8Array(32).fill(7)));
    const config = parseConfig({
      JWT_SECRET: SECRET,
      DEV_ALLOW_LOOPBACK_HTTP: "true",
      WEBHOOK_SECRET_KEY: key,
      WEBHOOK_TIMEOUT_SECONDS: "2",
      WEBHOOK_RETRY_BASE_SECONDS: "1",
      WEBHOOK_RETRY_MAX_DELAY_SECONDS: "4",
      WEBHOOK_RETRY_WINDOW_SECONDS: "30",
      WEBHOOK_DISABLE_AFTER_SECONDS: "600",
      WEBHOOK_HANDOFF_LEASE_SECONDS: "3",
    });
    expect(config.devAllowLoopbackHttp).toBe(true);
    expect(config.webhooks).toEqual({
      secretKey: key,
      timeoutMs: 2_000,
      retryBaseMs: 1_000,
      retryMaxDelayMs: 4_000,
      retryWindowMs: 30_000,
      disableAfterMs: 600_000,
      handoffLeaseMs: 3_000,
    });
    expect(parseConfig({ JWT_SECRET: SECRET, DEV_ALLOW_LOOPBACK_HTTP: "false" }).devAllowLoopbackHttp).toBe(false);
  });

  it("refuses a webhook key that is not 32 bytes of base64 and an unclear loopback switch, naming each", () => {
    expect(failureOf({ JWT_SECRET: SECRET, WEBHOOK_SECRET_KEY: "short" })).toContain("WEBHOOK_SECRET_KEY");
    expect(failureOf({ JWT_SECRET: SECRET, DEV_ALLOW_LOOPBACK_HTTP: "yes" })).toContain("DEV_ALLOW_LOOPBACK_HTTP");
    expect(failureOf({ JWT_SECRET: SECRET, WEBHOOK_TIMEOUT_SECONDS: "60" })).toContain("WEBHOOK_TIMEOUT_SECONDS");
    expect(failureOf({ JWT_SECRET: SECRET, WEBHOOK_HANDOFF_LEASE_SECONDS: "0" })).toContain(
      "WEBHOOK_HANDOFF_LEASE_SECONDS",
    );
  });

  it("treats empty [vars] as unset", () => {
    const config = parseConfig({ JWT_SECRET: SECRET, MAX_PAYLOAD_BYTES: "", JWT_ISSUER: "", JWT_AUDIENCE: "" });
    expect(config.maxPayloadBytes).toBe(65_536);
    expect(config.issuer).toBeUndefined();
    expect(config.audience).toBeUndefined();
  });

  it("reads every variable it is given", () => {
    const config = parseConfig({
      JWT_JWKS: JWKS,
      MAX_PAYLOAD_BYTES: "1000",
      CLIENT_PUBLISH_BURST: "3",
      CLIENT_PUBLISH_WINDOW_SECONDS: "60",
      ABUSE_STRIKES: "4",
      BATCH_MAX_MESSAGES: "1000",
      JWT_CLOCK_TOLERANCE_SECONDS: "0",
      JWT_ISSUER: "https://issuer.test",
      JWT_AUDIENCE: "gateway",
      API_KEYS: JSON.stringify([RECORD]),
    });
    expect(config).toMatchObject({
      maxPayloadBytes: 1000,
      clientPublishBurst: 3,
      clientPublishWindowMs: 60_000,
      abuseStrikes: 4,
      batchMaxMessages: 1000,
      clockToleranceSeconds: 0,
      issuer: "https://issuer.test",
      audience: "gateway",
      jwtSecret: undefined,
    });
    expect(config.jwks?.keys.map((k) => k.kid)).toEqual(["k1"]);
    expect(config.apiKeys.get("key1")).toEqual(RECORD);
  });

  const bad: [string, Record<string, string>][] = [
    ["MAX_PAYLOAD_BYTES", { JWT_SECRET: SECRET, MAX_PAYLOAD_BYTES: "abc" }],
    ["MAX_PAYLOAD_BYTES", { JWT_SECRET: SECRET, MAX_PAYLOAD_BYTES: "0" }],
    ["MAX_PAYLOAD_BYTES", { JWT_SECRET: SECRET, MAX_PAYLOAD_BYTES: "1.5" }],
    ["CLIENT_PUBLISH_BURST", { JWT_SECRET: SECRET, CLIENT_PUBLISH_BURST: "-1" }],
    ["CLIENT_PUBLISH_WINDOW_SECONDS", { JWT_SECRET: SECRET, CLIENT_PUBLISH_WINDOW_SECONDS: "ten" }],
    ["ABUSE_STRIKES", { JWT_SECRET: SECRET, ABUSE_STRIKES: "0" }],
    ["JWT_CLOCK_TOLERANCE_SECONDS", { JWT_SECRET: SECRET, JWT_CLOCK_TOLERANCE_SECONDS: "31" }],
    ["MAX_CONNECTIONS_PER_USER", { JWT_SECRET: SECRET, MAX_CONNECTIONS_PER_USER: "0" }],
    ["MAX_CONNECTIONS_PER_ROOM", { JWT_SECRET: SECRET, MAX_CONNECTIONS_PER_ROOM: "32769" }],
    ["MAX_TOKEN_LIFETIME_SECONDS", { JWT_SECRET: SECRET, MAX_TOKEN_LIFETIME_SECONDS: "59" }],
    ["ALLOWED_ORIGINS", { JWT_SECRET: SECRET, ALLOWED_ORIGINS: "app.example.com" }],
    ["ALLOWED_ORIGINS", { JWT_SECRET: SECRET, ALLOWED_ORIGINS: "https://app.example.com/path" }],
    ["ALLOWED_ORIGINS", { JWT_SECRET: SECRET, ALLOWED_ORIGINS: "ftp://files.example.com" }],
    ["HISTORY_MAX_MESSAGES", { JWT_SECRET: SECRET, HISTORY_MAX_MESSAGES: "-1" }],
    ["HISTORY_MAX_AGE_SECONDS", { JWT_SECRET: SECRET, HISTORY_MAX_AGE_SECONDS: "1e9" }],
    ["BATCH_MAX_MESSAGES", { JWT_SECRET: SECRET, BATCH_MAX_MESSAGES: "0" }],
    ["BATCH_MAX_MESSAGES", { JWT_SECRET: SECRET, BATCH_MAX_MESSAGES: "1001" }],
    ["API_KEYS", { JWT_SECRET: SECRET, API_KEYS: "[{" }],
    ["API_KEYS", { JWT_SECRET: SECRET, API_KEYS: JSON.stringify([{ ...RECORD, hash: "not-a-hash" }]) }],
    ["API_KEYS", { JWT_SECRET: SECRET, API_KEYS: JSON.stringify([{ ...RECORD, scopes: ["subscribe"] }]) }],
    ["API_KEYS", { JWT_SECRET: SECRET, API_KEYS: JSON.stringify([{ ...RECORD, tenant: "Acme!" }]) }],
    ["API_KEYS", { JWT_SECRET: SECRET, API_KEYS: JSON.stringify([{ ...RECORD, secret: "plaintext" }]) }],
    ["API_KEYS", { JWT_SECRET: SECRET, API_KEYS: JSON.stringify(RECORD) }],
  ];
  for (const [variable, env] of bad) {
    it(`fails naming ${variable} for ${JSON.stringify(env).slice(0, 90)}`, () => {
      expect(failureOf(env)).toContain(variable);
    });
  }

  const EC_PUBLIC = { kty: "EC", crv: "P-256", kid: "k1", x: "x", y: "y" };
  // `oth` (RFC 7518 6.3.2.7) lists further primes of a multi-prime RSA private key, each with its own `d`.
  const PRIVATE_VALUES: Record<string, unknown> = { oth: [{ r: "c2VjcmV0", d: "c2VjcmV0", t: "c2VjcmV0" }] };
  for (const member of ["d", "p", "q", "dp", "dq", "qi", "oth", "k"]) {
    it(`refuses a JWT_JWKS key holding the private member "${member}", naming it`, () => {
      const message = failureOf({
        JWT_SECRET: SECRET,
        JWT_JWKS: JSON.stringify({ keys: [{ ...EC_PUBLIC, [member]: PRIVATE_VALUES[member] ?? "c2VjcmV0" }] }),
      });
      expect(message).toContain("JWT_JWKS");
      expect(message).toContain(`private member "${member}"`);
    });
  }

  it("refuses a JWT_JWKS RSA key shorter than 2048 bits, which jose would refuse on every token", () => {
    const n1024 = "A".repeat(171);
    const message = failureOf({
      JWT_SECRET: SECRET,
      JWT_JWKS: JSON.stringify({ keys: [{ kty: "RSA", kid: "weak", n: n1024, e: "AQAB" }] }),
    });
    expect(message).toContain("JWT_JWKS");
    expect(message).toContain("2048 bits");
    const n2048 = "A".repeat(342);
    expect(
      parseConfig({ JWT_JWKS: JSON.stringify({ keys: [{ kty: "RSA", kid: "ok", n: n2048, e: "AQAB" }] }) }).jwks,
    ).toBeDefined();
  });

  it("reads the tenant a JWT_JWKS key is bound to, and refuses an invalid one", () => {
    const bound = parseConfig({ JWT_JWKS: JSON.stringify({ keys: [{ ...EC_PUBLIC, tenant: "acme" }] }) });
    expect(bound.jwks?.keys[0]?.tenant).toBe("acme");
    const message = failureOf({
      JWT_SECRET: SECRET,
      JWT_JWKS: JSON.stringify({ keys: [{ ...EC_PUBLIC, tenant: "Acme!" }] }),
    });
    expect(message).toContain("JWT_JWKS");
    expect(message).toContain("tenant");
  });

  // The other key variable is set and valid each time: a bad value silently read as unset would
  // then be accepted, not reported as "set JWT_SECRET and/or JWT_JWKS".
  const badKeys: [string, Record<string, string>, string][] = [
    ["JWT_SECRET", { JWT_JWKS: JWKS, JWT_SECRET: "s".repeat(31) }, "JWT_SECRET: must be at least 32 characters"],
    ["JWT_JWKS", { JWT_SECRET: SECRET, JWT_JWKS: "{not json" }, "JWT_JWKS: is not valid JSON"],
    ["JWT_JWKS", { JWT_SECRET: SECRET, JWT_JWKS: JSON.stringify([]) }, "JWT_JWKS: ✖ Invalid input: expected object"],
    ["JWT_JWKS", { JWT_SECRET: SECRET, JWT_JWKS: JSON.stringify({ keys: [] }) }, "to have >=1 items\n  → at keys"],
    ["JWT_JWKS", { JWT_SECRET: SECRET, JWT_JWKS: JSON.stringify({ keys: [{ kty: "EC" }] }) }, "→ at keys[0].kid"],
  ];
  for (const [variable, env, problem] of badKeys) {
    it(`fails naming ${variable} and the problem for ${JSON.stringify(env).slice(0, 90)}`, () => {
      const message = failureOf(env);
      expect(message).toContain(variable);
      expect(message).toContain(problem);
      expect(message).not.toContain("set JWT_SECRET and/or JWT_JWKS");
    });
  }

  it("reads a comma list of allowed origins, trimming spaces, and * only when set", () => {
    expect(
      parseConfig({ JWT_SECRET: SECRET, ALLOWED_ORIGINS: " https://a.example.com, http://localhost:5173 " })
        .allowedOrigins,
    ).toEqual(["https://a.example.com", "http://localhost:5173"]);
    expect(parseConfig({ JWT_SECRET: SECRET, ALLOWED_ORIGINS: "*" }).allowedOrigins).toEqual(["*"]);
  });

  it("names only the bad variable when one of several is wrong", () => {
    const message = failureOf({ JWT_SECRET: SECRET, ABUSE_STRIKES: "x" });
    expect(message).toContain("ABUSE_STRIKES");
    expect(message).not.toContain("MAX_PAYLOAD_BYTES");
    expect(message).not.toContain("JWT_SECRET");
  });

  it("fails naming both key variables when neither JWT_SECRET nor JWT_JWKS is set", () => {
    const message = failureOf({});
    expect(message).toContain("JWT_SECRET");
    expect(message).toContain("JWT_JWKS");
  });

  it("reads OPERATOR_KEYS and DEV_ALLOW_LOOPBACK_HTTP, refusing a malformed value by name", () => {
    const operator = { id: "ops1", hash: "b".repeat(64) };
    const config = parseConfig({ OPERATOR_KEYS: JSON.stringify([operator]), DEV_ALLOW_LOOPBACK_HTTP: "true" });
    expect(config.operatorKeys.get("ops1")).toEqual(operator);
    expect(config.devAllowLoopbackHttp).toBe(true);
    expect(failureOf({ JWT_SECRET: SECRET, OPERATOR_KEYS: JSON.stringify([{ ...operator, tenant: "acme" }]) })).toMatch(
      /^invalid configuration: OPERATOR_KEYS: /,
    );
    expect(failureOf({ JWT_SECRET: SECRET, DEV_ALLOW_LOOPBACK_HTTP: "yes" })).toMatch(/DEV_ALLOW_LOOPBACK_HTTP/);
  });

  it("refuses a private JWK member in JWT_JWKS, oth included", () => {
    const jwks = { keys: [{ kty: "RSA", kid: "k", n: "n".repeat(400), e: "AQAB", oth: [] }] };
    expect(failureOf({ JWT_JWKS: JSON.stringify(jwks) })).toMatch(/private member "oth"/);
  });
});
