// A new API key or operator key and the record the gateway stores for it (only the hash, never the
// key). Pure apart from hashing: the id and secret come in, so callers decide where randomness is drawn.
import { apiKeyId, formatApiKey, formatOperatorKey, operatorKeyId } from "../../src/auth/api-key-format.ts";
import { randomAlphanumeric } from "../../src/control/secrets.ts";
import {
  type ApiKeyRecord,
  apiKeyRecordSchema,
  type OperatorKeyRecord,
  operatorKeyRecordSchema,
} from "../../src/protocol.ts";
import { sha256Hex } from "../../src/sha256.ts";
import { API_KEY_SCOPES, type ApiKeyScope } from "../../src/wire.ts";
import { UsageError } from "./cli.ts";
import { checkTenant } from "./tenant.ts";

export { randomSecret } from "../../src/control/secrets.ts";

export type NewApiKey = { key: string; record: ApiKeyRecord };
export type NewOperatorKey = { key: string; record: OperatorKeyRecord };

/** `<prefix>` + 10 random alphanumerics (`k…` for API keys, `op…` for operator keys). */
export function randomKeyId(prefix = "k"): string {
  return `${prefix}${randomAlphanumeric(10)}`;
}

/** `"publish,presence"` -> known, de-duplicated API key scopes. */
export function parseApiKeyScopes(text: string): ApiKeyScope[] {
  const words = [...new Set(text.split(/[\s,]+/).filter(Boolean))];
  const isScope = (w: string): w is ApiKeyScope => (API_KEY_SCOPES as readonly string[]).includes(w);
  const unknown = words.filter((w) => !isScope(w));
  if (words.length === 0 || unknown.length > 0)
    throw new UsageError(
      `--scopes must be a comma-separated subset of ${API_KEY_SCOPES.join(", ")}` +
        (unknown.length > 0 ? `; unknown: ${unknown.join(", ")}` : ""),
    );
  return words.filter(isScope);
}

export async function newApiKey(id: string, tenant: string, scopes: ApiKeyScope[], secret: string): Promise<NewApiKey> {
  if (!apiKeyRecordSchema.shape.id.safeParse(id).success)
    throw new UsageError(`--id must be 1-32 letters and digits, got "${id}"`);
  checkTenant(tenant);
  const key = formatApiKey(id, secret);
  // The gateway's own schema and key parser check the result, so the gateway can read it.
  const record = apiKeyRecordSchema.parse({ id, tenant, scopes, hash: await sha256Hex(key) });
  if (apiKeyId(key) !== id) throw new Error("formatApiKey produced a key the gateway cannot parse");
  return { key, record };
}

export async function newOperatorKey(id: string, secret: string): Promise<NewOperatorKey> {
  if (!operatorKeyRecordSchema.shape.id.safeParse(id).success)
    throw new UsageError(`--id must be 1-32 letters and digits, got "${id}"`);
  const key = formatOperatorKey(id, secret);
  const record = operatorKeyRecordSchema.parse({ id, hash: await sha256Hex(key) });
  if (operatorKeyId(key) !== id) throw new Error("formatOperatorKey produced a key the gateway cannot parse");
  return { key, record };
}
