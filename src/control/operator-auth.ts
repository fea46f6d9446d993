// The operator credential: `bgo_<id>_<secret>` checked against OPERATOR_KEYS (hashes only), then
// OPERATOR_LIMITER per operator key, all before any object is called. Tenant credentials (API
// keys, user tokens) are refused here with 403, whatever their scopes.
import { createMiddleware } from "hono/factory";
import { operatorKeyId } from "../auth/api-key-format.ts";
import { hashMatches } from "../auth/api-keys.ts";
import { publisherCredentialFrom } from "../auth/credentials.ts";
import type { Config } from "../config.ts";
import type { AppEnv } from "../env.ts";
import { GatewayError } from "../errors.ts";
import { enforce } from "../limits/rate-limit.ts";
import { sha256Hex } from "../sha256.ts";

/** The operator key's id, or the reason it is refused (hashed even when the id is unknown, for constant timing). */
export async function verifyOperatorKey(config: Config, key: string): Promise<string> {
  const id = operatorKeyId(key);
  const record = id === undefined ? undefined : config.operatorKeys.get(id);
  if (!hashMatches(await sha256Hex(key), record?.hash) || record === undefined)
    throw new GatewayError("invalid_api_key", "operator key is not valid");
  if (record.revoked === true) throw new GatewayError("revoked_api_key", "operator key has been revoked");
  return record.id;
}

export const requireOperator = createMiddleware<AppEnv>(async (c, next) => {
  const credential = publisherCredentialFrom(c.req.raw.headers);
  if (credential === undefined) throw new GatewayError("missing_token", "an operator key is required");
  if (credential.kind !== "operator_key")
    throw new GatewayError(
      "forbidden",
      "the operator API needs an operator key (bgo_…); tenant credentials have no access",
    );
  const id = await verifyOperatorKey(c.get("config"), credential.key);
  await enforce(c.env.OPERATOR_LIMITER, `operator:${id}`, "operator");
  c.set("operator", id);
  await next();
});
