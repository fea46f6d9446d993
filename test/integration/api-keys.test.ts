import { describe, expect, it } from "vitest";
import { apiKeyId, formatApiKey, looksLikeApiKey } from "../../src/auth/api-key-format.ts";
import { verifyApiKey } from "../../src/auth/api-keys.ts";
import { parseConfig } from "../../src/config.ts";
import { limitKey } from "../../src/limits/rate-limit.ts";
import { sha256Hex } from "../../src/sha256.ts";

const KEY = formatApiKey("key1", "s3cretS3cretS3cretS3cret");
const REVOKED = formatApiKey("old", "s3cretS3cretS3cretS3cret");

async function configWithKeys() {
  return parseConfig({
    JWT_SECRET: "x".repeat(32),
    API_KEYS: JSON.stringify([
      { id: "key1", tenant: "acme", scopes: ["publish", "presence"], hash: await sha256Hex(KEY) },
      { id: "old", tenant: "acme", scopes: ["publish"], hash: await sha256Hex(REVOKED), revoked: true },
    ]),
  });
}

async function codeOf(key: string): Promise<string> {
  try {
    await verifyApiKey(await configWithKeys(), key);
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
  return "accepted";
}

describe("API key format", () => {
  it("embeds its id, which is read back directly", () => {
    expect(KEY.startsWith("bgw_key1_")).toBe(true);
    expect(apiKeyId(KEY)).toBe("key1");
    expect(looksLikeApiKey(KEY)).toBe(true);
  });

  it("has no id when the string is not a well-formed key", () => {
    for (const s of [
      "bgw_key1",
      "bgw_key1_short",
      "bgw__s3cretS3cretS3cret",
      "key1_s3cretS3cretS3cret",
      "bgw_k!_s3cretS3cretS3cret",
    ])
      expect(apiKeyId(s), s).toBeUndefined();
  });

  it("hashes to lowercase hex SHA-256", async () => {
    expect(await sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});

describe("verifyApiKey", () => {
  it("returns the key's tenant and scopes for a valid key", async () => {
    await expect(verifyApiKey(await configWithKeys(), KEY)).resolves.toEqual({
      kind: "api_key",
      id: "key1",
      tenant: "acme",
      scopes: ["publish", "presence"],
    });
  });

  it("refuses an unknown id, a wrong secret and a malformed key as invalid_api_key", async () => {
    expect(await codeOf(formatApiKey("nokey", "s3cretS3cretS3cretS3cret"))).toBe("invalid_api_key");
    expect(await codeOf(formatApiKey("key1", "wrongWrongWrongWrongWrong"))).toBe("invalid_api_key");
    expect(await codeOf(`${KEY}x`)).toBe("invalid_api_key");
    expect(await codeOf("bgw_key1")).toBe("invalid_api_key");
  });

  it("refuses a revoked key as revoked_api_key", async () => {
    expect(await codeOf(REVOKED)).toBe("revoked_api_key");
  });

  it("does not reveal that a revoked id exists when the secret is wrong", async () => {
    expect(await codeOf(formatApiKey("old", "wrongWrongWrongWrongWrong"))).toBe("invalid_api_key");
  });
});

describe("limitKey", () => {
  it("keys by action, credential kind, tenant and id, so identities never share a window", () => {
    const user = { kind: "user", id: "alice", tenant: "acme", scopes: [], exp: 0 } as const;
    const key = { kind: "api_key", id: "alice", tenant: "acme", scopes: [] } as const;
    expect(limitKey("connect", user)).toBe("connect:user:acme:alice");
    expect(limitKey("publish", { ...user, tenant: "globex" })).not.toBe(limitKey("publish", user));
    expect(limitKey("publish", key)).not.toBe(limitKey("publish", user));
  });
});
