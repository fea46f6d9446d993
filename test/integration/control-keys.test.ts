import { exportJWK, generateKeyPair } from "jose";
import { describe, expect, it } from "vitest";
import {
  apiKeyRef,
  formatApiKey,
  formatOperatorKey,
  formatTenantApiKey,
  looksLikeApiKey,
  looksLikeOperatorKey,
  operatorKeyId,
} from "../../src/auth/api-key-format.ts";
import { verifyApiKey } from "../../src/auth/api-keys.ts";
import { parseConfig } from "../../src/config.ts";
import { randomAlphanumeric, randomSecret } from "../../src/control/secrets.ts";
import { keysOfJwks } from "../../src/control/signing-keys.ts";
import { logLine } from "../../src/log.ts";
import { sha256Hex } from "../../src/sha256.ts";

const SECRET = "s3cretS3cretS3cretS3cret";

describe("key formats", () => {
  it("say where a key's record is: the API_KEYS secret, or its tenant's object", () => {
    expect(apiKeyRef(formatApiKey("key1", SECRET))).toEqual({ source: "secret", id: "key1" });
    expect(apiKeyRef(formatTenantApiKey("acme", "k1", SECRET))).toEqual({ source: "tenant", tenant: "acme", id: "k1" });
    expect(apiKeyRef(formatTenantApiKey("my_co-2", "k1", `${SECRET}_-x`))).toEqual({
      source: "tenant",
      tenant: "my_co-2",
      id: "k1",
    });
    for (const bad of [
      "bgw_acme.k1",
      `bgw_ACME.k1_${SECRET}`,
      `bgw_a.b.k1_${SECRET}`,
      `bgw_.k1_${SECRET}`,
      `bgo_k1_${SECRET}`,
    ])
      expect(apiKeyRef(bad), bad).toBeUndefined();
  });

  it("tell operator keys from API keys by prefix", () => {
    const op = formatOperatorKey("ops1", SECRET);
    expect(looksLikeOperatorKey(op)).toBe(true);
    expect(looksLikeApiKey(op)).toBe(false);
    expect(operatorKeyId(op)).toBe("ops1");
    expect(operatorKeyId(formatApiKey("ops1", SECRET))).toBeUndefined();
  });

  it("are redacted in log lines, tenant keys and operator keys included", () => {
    for (const key of [formatTenantApiKey("my_co-2", "kABC", SECRET), formatOperatorKey("ops1", SECRET)]) {
      const line = logLine("x", { message: `bad key ${key} here` });
      expect(line).not.toContain(SECRET);
      expect(line).toContain("[redacted]");
    }
  });

  it("random ids are alphanumeric of the asked length; secrets are 256-bit base64url", () => {
    expect(randomAlphanumeric(20)).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(randomSecret()).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe("verifyApiKey with a tenant's records", () => {
  const config = parseConfig({ JWT_SECRET: "x".repeat(32) });
  const key = formatTenantApiKey("acme", "k1", SECRET);

  it("reads the record from the tenant named in the key, with the presented key's hash", async () => {
    const hash = await sha256Hex(key);
    const asked: string[] = [];
    const lookup = async (tenant: string, id: string, h: string) => {
      asked.push(`${tenant}/${id}/${h === hash}`);
      return { id, tenant, scopes: ["publish"] as const, hash };
    };
    await expect(verifyApiKey(config, key, lookup)).resolves.toEqual({
      kind: "api_key",
      id: "k1",
      tenant: "acme",
      scopes: ["publish"],
    });
    expect(asked).toEqual(["acme/k1/true"]);
  });

  it("refuses a wrong hash, a revoked and an expired record, and any tenant key without a lookup", async () => {
    const hash = await sha256Hex(key);
    const codeOf = (p: Promise<unknown>) =>
      p.then(
        () => "accepted",
        (e: { code: string; message: string }) => `${e.code}: ${e.message}`,
      );
    const record = { id: "k1", tenant: "acme", scopes: ["publish"] as const, hash };
    expect(await codeOf(verifyApiKey(config, key, async () => ({ ...record, hash: "0".repeat(64) })))).toMatch(
      /^invalid_api_key/,
    );
    expect(await codeOf(verifyApiKey(config, key, async () => ({ ...record, revoked: true })))).toMatch(
      /^revoked_api_key/,
    );
    expect(await codeOf(verifyApiKey(config, key, async () => ({ ...record, expiresAt: 1_000 }), 1_000))).toBe(
      "invalid_api_key: API key has expired",
    );
    expect(await codeOf(verifyApiKey(config, key))).toMatch(/^invalid_api_key/);
  });
});

describe("keysOfJwks", () => {
  const pair = async (kid: string) => ({ ...(await exportJWK((await generateKeyPair("ES256")).publicKey)), kid });

  it("takes the signing keys with a kid, passing over encryption keys and keys it cannot use", async () => {
    const sig = await pair("sig");
    const result = await keysOfJwks({
      keys: [sig, { ...(await pair("enc")), use: "enc" }, { kty: "EC", crv: "P-256" }, { kty: "XYZ", kid: "odd" }],
    });
    expect(result.ok && result.keys.map((k) => k.kid)).toEqual(["sig"]);
    expect(result.ok && result.keys[0]?.fingerprint).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("refuses what is not a JWKS, a set holding a private key, and a set with no usable key", async () => {
    for (const doc of [null, [], { keys: [] }, { keys: "x" }, { hello: 1 }])
      expect(await keysOfJwks(doc), JSON.stringify(doc)).toMatchObject({ ok: false });
    const { privateKey } = await generateKeyPair("ES256", { extractable: true });
    const leaked = await keysOfJwks({ keys: [{ ...(await exportJWK(privateKey)), kid: "oops" }] });
    expect(leaked).toEqual({ ok: false, reason: 'serves key "oops" with the private member "d"' });
    expect(await keysOfJwks({ keys: [{ kty: "oct", k: "c2VjcmV0", kid: "hmac" }] })).toMatchObject({ ok: false });
  });
});
