import type { Config } from "../config.ts";
import { GatewayError } from "../errors.ts";
import { sha256Hex } from "../sha256.ts";
import type { ApiKeyScope } from "../wire.ts";
import { apiKeyRef } from "./api-key-format.ts";
import type { ApiKeyPrincipal } from "./principal.ts";

const encoder = new TextEncoder();

/**
 * Whether `keyHash` (the SHA-256 hex of a presented key) equals `recordHash`. Compared in constant
 * time, and against a dummy when there is no record, so timing does not reveal which ids exist.
 */
export function hashMatches(keyHash: string, recordHash: string | undefined): boolean {
  const matches = crypto.subtle.timingSafeEqual(encoder.encode(keyHash), encoder.encode(recordHash ?? "0".repeat(64)));
  return recordHash !== undefined && matches;
}

/** What verification needs of a key's record, wherever it is kept. */
export type KeyRecord = {
  id: string;
  tenant: string;
  scopes: readonly ApiKeyScope[];
  hash: string;
  revoked?: boolean | undefined;
  /** Epoch milliseconds; a key made by the operator API may expire. */
  expiresAt?: number | undefined;
};

/**
 * The record of a key made by the operator API (`bgw_<tenant>.<id>_…`), from its tenant's object
 * through the in-isolate cache; `hash` is the presented key's, so the tenant can note the key's use.
 */
export type TenantKeyLookup = (tenant: string, id: string, hash: string) => Promise<KeyRecord | undefined>;

/**
 * Verifies an API key against its hashed record; never sees or stores a plaintext key. Without
 * `lookup`, only keys of the API_KEYS secret can be valid.
 */
export async function verifyApiKey(
  config: Config,
  key: string,
  lookup?: TenantKeyLookup,
  nowMs = Date.now(),
): Promise<ApiKeyPrincipal> {
  const ref = apiKeyRef(key);
  // Hash even when the key is malformed or its id unknown, so timing does not reveal which ids exist.
  const hash = await sha256Hex(key);
  let record: KeyRecord | undefined;
  if (ref?.source === "secret") record = config.apiKeys.get(ref.id);
  else if (ref?.source === "tenant" && lookup !== undefined) record = await lookup(ref.tenant, ref.id, hash);
  if (record === undefined || !hashMatches(hash, record.hash))
    throw new GatewayError("invalid_api_key", "API key is not valid");
  if (record.revoked === true) throw new GatewayError("revoked_api_key", "API key has been revoked");
  if (record.expiresAt !== undefined && nowMs >= record.expiresAt)
    throw new GatewayError("invalid_api_key", "API key has expired");
  return { kind: "api_key", id: record.id, tenant: record.tenant, scopes: record.scopes };
}
