// The kinds of access a route can have. Each is the middleware that admits a caller and the words
// the OpenAPI document uses for it, built from one rule, so the two cannot drift. A new kind is one
// more function (or value) returning an `Access`.
import { rejectRevoked, requireCredential, requireUser, type ScopeRule } from "../auth/middleware.ts";
import { requireOperator } from "../control/operator-auth.ts";
import { connectIpBrake, type LimiterName, rateLimit, refuseFailingIp } from "../limits/rate-limit.ts";
import { connectQuerySchema } from "../protocol.ts";
import { type ErrorCode, TOKEN_ERROR_CODES, type UserScope } from "../wire.ts";
import { readUpgrade } from "./connect.ts";
import { requireAllowedOrigin } from "./origin.ts";
import type { Access, Json } from "./route.ts";

const BEARER: Json = {
  type: "http",
  scheme: "bearer",
  description: "A user JWT, or an API key (`bgw_<id>_<secret>`); anything not shaped like a key is a JWT",
};
const API_KEY_HEADER: Json = { type: "apiKey", in: "header", name: "X-API-Key", description: "An API key" };
const ACCESS_TOKEN_QUERY: Json = {
  type: "apiKey",
  in: "query",
  name: "access_token",
  description: "A user JWT, WebSocket upgrades only",
};

const TOKEN_ERRORS: readonly ErrorCode[] = TOKEN_ERROR_CODES;

/** No credential: health, the index, the document. */
export const open: Access = { middleware: [], security: [], schemes: {}, errors: [] };

const scopeWords = (kind: string, scopes: readonly string[] | undefined) =>
  scopes === undefined ? [] : [`${kind} with scope ${scopes.join(" or ")}`];

/**
 * An API key or a user JWT admitted by `rule`, then its rate limit, then (for JWTs) the tenant's
 * revocation check: no request reaches a Durable Object before its limiter.
 */
export function credential(rule: ScopeRule, limiter: LimiterName): Access {
  const words = [...scopeWords("an API key", rule.api_key), ...scopeWords("a user JWT", rule.user)];
  return {
    middleware: [refuseFailingIp, requireCredential(rule), rateLimit(limiter), rejectRevoked],
    security: rule.api_key === undefined ? [{ bearer: [] }] : [{ bearer: [] }, { apiKeyHeader: [] }],
    schemes: rule.api_key === undefined ? { bearer: BEARER } : { bearer: BEARER, apiKeyHeader: API_KEY_HEADER },
    description: `Credential: ${words.join(", or ")}.`,
    errors: [...TOKEN_ERRORS, "invalid_api_key", "revoked_api_key", "forbidden", "rate_limited"],
  };
}

/**
 * A user JWT opening a socket, from any of its carriers (`readUpgrade`), with `scope` and the room
 * granted. The origin is checked once the token names its tenant (a tenant's own list of origins
 * replaces ALLOWED_ORIGINS), before the socket opens (cross-site WebSocket hijacking); token work
 * meets the per-IP brake first. No middleware here may touch response headers: a 101's headers
 * are immutable.
 */
export function userSocket(scope: UserScope): Access {
  return {
    middleware: [
      refuseFailingIp,
      readUpgrade,
      requireUser(scope, connectIpBrake),
      requireAllowedOrigin,
      rateLimit("CONNECT_LIMITER"),
    ],
    security: [{ bearer: [] }, { accessTokenQuery: [] }],
    schemes: { bearer: BEARER, accessTokenQuery: ACCESS_TOKEN_QUERY },
    description: `Credential: a user JWT with scope ${scope}.`,
    errors: [...TOKEN_ERRORS, "forbidden", "forbidden_origin", "invalid_query", "upgrade_required", "rate_limited"],
    query: connectQuerySchema,
    extraQuery: [{ name: "access_token", description: "the user JWT, when no other carrier is possible" }],
  };
}

/**
 * An operator key (`bgo_…`, OPERATOR_KEYS), then its rate limit per operator key, before any object
 * is called: the /v1/operator/* routes only. Tenant credentials are refused there with 403.
 */
export const operatorKey: Access = {
  middleware: [refuseFailingIp, requireOperator],
  security: [{ operatorKey: [] }, { operatorKeyHeader: [] }],
  schemes: {
    operatorKey: { type: "http", scheme: "bearer", description: "An operator key (`bgo_<id>_<secret>`)" },
    operatorKeyHeader: { type: "apiKey", in: "header", name: "X-API-Key", description: "An operator key" },
  },
  description: "Credential: an operator key (`bgo_…`, from OPERATOR_KEYS); tenant credentials get 403.",
  errors: ["missing_token", "invalid_api_key", "revoked_api_key", "forbidden", "rate_limited"],
};
