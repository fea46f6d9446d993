// A `.dev.vars` a developer might well have, made as hostile as it can be while staying valid: each
// variable the gateway reads set to a value that changes behaviour (tiny limits, an issuer and
// audience as .dev.vars.example suggests, other keys), plus a canary the run looks for.
import { randomBytes, randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { exportJWK, generateKeyPair } from "jose";
import type { ConfigVarName } from "../../src/config.ts";

/** One value for every variable: a new variable in src/config.ts fails to compile here until it has one. */
export async function hostileVars(): Promise<Record<ConfigVarName, string>> {
  const { publicKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: "es-1", alg: "ES256", use: "sig" };
  return {
    MAX_PAYLOAD_BYTES: "1024",
    CLIENT_PUBLISH_BURST: "1",
    CLIENT_PUBLISH_WINDOW_SECONDS: "3600",
    CLIENT_USER_PUBLISH_BURST: "1",
    ABUSE_STRIKES: "1",
    MAX_CONNECTIONS_PER_USER: "1",
    MAX_CONNECTIONS_PER_ROOM: "2",
    ROOM_SHARDS: "2",
    MAX_TOKEN_LIFETIME_SECONDS: "60",
    ALLOWED_ORIGINS: "*",
    HISTORY_MAX_MESSAGES: "1",
    HISTORY_MAX_AGE_SECONDS: "1",
    HISTORY_PAGE_MAX_BYTES: "1024",
    BATCH_MAX_MESSAGES: "1",
    JWT_CLOCK_TOLERANCE_SECONDS: "0",
    USAGE_PARTITIONS: "7",
    JWT_ISSUER: "https://auth.example.com",
    JWT_AUDIENCE: "broadcast-gateway",
    JWT_SECRET: randomBytes(48).toString("base64url"),
    JWT_JWKS: JSON.stringify({ keys: [jwk] }),
    API_KEYS: JSON.stringify([
      { id: "pubacme", tenant: "globex", scopes: ["publish"], hash: "0".repeat(64) },
      { id: "adminacme", tenant: "acme", scopes: ["publish"], hash: "0".repeat(64), revoked: true },
    ]),
    OPERATOR_KEYS: JSON.stringify([{ id: "ops", hash: "0".repeat(64) }]),
    DEV_ALLOW_LOOPBACK_HTTP: "true",
    WEBHOOK_SECRET_KEY: randomBytes(32).toString("base64"),
    SHARD_PLACEMENT_KEY: randomBytes(32).toString("base64url"),
    WEBHOOK_TIMEOUT_SECONDS: "1",
    WEBHOOK_RETRY_BASE_SECONDS: "1",
    WEBHOOK_RETRY_MAX_DELAY_SECONDS: "1",
    WEBHOOK_RETRY_WINDOW_SECONDS: "1",
    WEBHOOK_DISABLE_AFTER_SECONDS: "60",
    WEBHOOK_HANDOFF_LEASE_SECONDS: "1",
  };
}

/** dotenv text, as wrangler reads it: single quotes keep JSON literally. */
const dotenv = (vars: Record<string, string>): string =>
  Object.entries(vars)
    .map(([name, value]) => `${name}='${value}'\n`)
    .join("");

/**
 * Writes the hostile `.dev.vars` to `path` with a fresh canary (`BGW_DEV_VARS_CANARY`) and returns
 * the canary; the in-workerd isolation test expects it in `BGW_EXPECT_DEV_VARS_CANARY`. Never
 * overwrites a file: `wx` fails if one is there.
 */
export async function writeHostileDevVars(path: string): Promise<string> {
  const canary = randomUUID();
  writeFileSync(path, dotenv({ ...(await hostileVars()), BGW_DEV_VARS_CANARY: canary }), { mode: 0o600, flag: "wx" });
  return canary;
}
