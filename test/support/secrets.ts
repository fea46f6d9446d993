// Test credentials made fresh for each run (Node side): the gateway gets only public keys and key
// hashes as its secrets; the tests get the private halves through test-only bindings.
import { randomBytes } from "node:crypto";
import { exportJWK, generateKeyPair } from "jose";
import { formatApiKey, formatOperatorKey } from "../../src/auth/api-key-format.ts";
import type { ApiKeyRecord } from "../../src/protocol.ts";
import { sha256Hex } from "../../src/sha256.ts";

export type TestApiKey = { key: string; record: ApiKeyRecord };

export async function makeApiKey(
  id: string,
  tenant: string,
  scopes: ApiKeyRecord["scopes"],
  revoked = false,
): Promise<TestApiKey> {
  const key = formatApiKey(id, randomBytes(24).toString("base64url"));
  const record: ApiKeyRecord = { id, tenant, scopes, hash: await sha256Hex(key) };
  if (revoked) record.revoked = true;
  return { key, record };
}

/** An operator key (`bgo_…`) and its OPERATOR_KEYS record. */
async function makeOperatorKey(id: string, revoked = false) {
  const key = formatOperatorKey(id, randomBytes(24).toString("base64url"));
  return { key, record: { id, hash: await sha256Hex(key), ...(revoked ? { revoked: true } : {}) } };
}

async function signingKey(alg: "ES256" | "RS256" | "EdDSA", kid: string) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  return {
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" },
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg },
  };
}

/** Bindings for the Workers test pool: gateway secrets plus `TEST_*` private material. */
export async function testBindings(): Promise<Record<string, string>> {
  const keys = await Promise.all([
    signingKey("ES256", "es-1"),
    signingKey("RS256", "rs-1"),
    signingKey("EdDSA", "ed-1"),
    signingKey("ES256", "es-2"),
  ]);
  // es-retired is never published in JWT_JWKS: it stands for a key rotated out.
  const retired = await signingKey("ES256", "es-retired");
  const apiKeys = await Promise.all([
    makeApiKey("pubacme", "acme", ["publish"]),
    makeApiKey("presacme", "acme", ["presence"]),
    makeApiKey("adminacme", "acme", ["publish", "presence", "admin"]),
    makeApiKey("pubglobex", "globex", ["publish"]),
    makeApiKey("revoked", "acme", ["publish"], true),
    // Webhook tests: tenants of their own (at most 10 endpoints each), spread over keys so the
    // per-key API limiter never trips.
    makeApiKey("hooksa", "hooksa", ["admin"]),
    makeApiKey("hooksb", "hooksb", ["admin"]),
    makeApiKey("hooksc", "hooksc", ["admin"]),
    makeApiKey("hooksd", "hooksd", ["admin"]),
    makeApiKey("hookspub", "hooksa", ["publish", "presence"]),
    // Usage counting tests: a tenant of its own, so its counts are exactly the test's workload.
    makeApiKey("meteredadmin", "metered", ["publish", "presence", "admin"]),
    // Only the HTTP 429 test uses this key: the limiter's window is shared by every test of a run.
    makeApiKey("floodacme", "acme", ["publish"]),
  ]);
  // One operator key per test file that needs one: OPERATOR_LIMITER's window is shared by a whole run.
  const operatorKeys = await Promise.all([
    makeOperatorKey("opcontrol"),
    makeOperatorKey("optenants"),
    makeOperatorKey("opkeys"),
    makeOperatorKey("opfresh"),
    makeOperatorKey("opflood"),
    makeOperatorKey("opterms"),
    makeOperatorKey("ophooks"),
    makeOperatorKey("ophooksbulk"),
    makeOperatorKey("ophooksusage"),
    makeOperatorKey("oprate"),
    makeOperatorKey("opusage"),
    makeOperatorKey("opretired", true),
  ]);
  return {
    JWT_SECRET: randomBytes(32).toString("base64url"),
    JWT_JWKS: JSON.stringify({ keys: keys.map((k) => k.publicJwk) }),
    API_KEYS: JSON.stringify(apiKeys.map((k) => k.record)),
    WEBHOOK_SECRET_KEY: randomBytes(32).toString("base64"),
    SHARD_PLACEMENT_KEY: randomBytes(32).toString("base64url"),
    // Pinned off whatever a developer's .dev.vars says: tests see production's URL rules.
    DEV_ALLOW_LOOPBACK_HTTP: "",
    TEST_PRIVATE_JWKS: JSON.stringify([...keys, retired].map((k) => k.privateJwk)),
    TEST_API_KEYS: JSON.stringify(Object.fromEntries(apiKeys.map((k) => [k.record.id, k.key]))),
    OPERATOR_KEYS: JSON.stringify(operatorKeys.map((k) => k.record)),
    TEST_OPERATOR_KEYS: JSON.stringify(Object.fromEntries(operatorKeys.map((k) => [k.record.id, k.key]))),
  };
}
