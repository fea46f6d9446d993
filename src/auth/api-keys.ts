import type { Config } from "../config.ts";
import { GatewayError } from "../errors.ts";
import { sha256Hex } from "../sha256.ts";
import { apiKeyId } from "./api-key-format.ts";
import type { ApiKeyPrincipal } from "./principal.ts";

const encoder = new TextEncoder();

/** Verifies an API key against the hashed records; never sees or stores a plaintext key. */
export async function verifyApiKey(config: Config, key: string): Promise<ApiKeyPrincipal> {
  const id = apiKeyId(key);
  const record = id === undefined ? undefined : config.apiKeys.get(id);
  // Hash even when the id is unknown so timing does not reveal which ids exist.
  const actual = encoder.encode(await sha256Hex(key));
  const expected = encoder.encode(record?.hash ?? "0".repeat(64));
  const matches = crypto.subtle.timingSafeEqual(actual, expected);
  if (record === undefined || !matches) throw new GatewayError("invalid_api_key", "API key is not valid");
  if (record.revoked === true) throw new GatewayError("revoked_api_key", "API key has been revoked");
  return { kind: "api_key", id: record.id, tenant: record.tenant, scopes: record.scopes };
}
