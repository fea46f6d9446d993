// The kinds of access a route can have. Each is the middleware that admits a caller and the words
// the OpenAPI document uses for it, built from one rule, so the two cannot drift. A new kind (an
// operator key, say) is one more function returning an `Access`.
import { rejectRevoked, requireCredential, requireUser, type ScopeRule } from "../auth/middleware.ts";
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
 * granted. The origin is checked first (cross-site WebSocket hijacking), and nothing costly is
 * read before the token and the connect limiters. No middleware here may touch response headers:
 * a 101's headers are immutable.
 */
export function userSocket(scope: UserScope): Access {
  return {
    middleware: [
      refuseFailingIp,
      requireAllowedOrigin,
      readUpgrade,
      requireUser(scope, connectIpBrake),
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
