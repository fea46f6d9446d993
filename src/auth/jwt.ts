// User token verification with jose: signature and standard claims, then the gateway's own claims,
// each failure mapped to a stable code. Which keys may verify a token is in ./verifier.ts.
import { errors, jwtVerify } from "jose";
import type { Config } from "../config.ts";
import { GatewayError } from "../errors.ts";
import { type TokenClaims, tokenClaimsSchema } from "../protocol.ts";
import { MAX_TOKEN_BYTES } from "../wire.ts";
import type { UserPrincipal } from "./principal.ts";
import { verifierFor } from "./verifier.ts";

/** Maps jose failures to the gateway's stable codes; anything unexpected is rethrown. */
function toGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  if (err instanceof errors.JWTExpired) return new GatewayError("token_expired", "token has expired");
  if (err instanceof errors.JWTClaimValidationFailed) {
    // Only a numeric nbf in the future means "wait"; a malformed one never becomes valid.
    if (err.claim === "nbf" && err.reason === "check_failed")
      return new GatewayError("token_not_yet_valid", "token is not valid yet");
    return new GatewayError(
      "invalid_claims",
      `claim "${err.claim}" is ${err.reason === "missing" ? "missing" : "invalid"}`,
    );
  }
  if (err instanceof errors.JWSSignatureVerificationFailed)
    return new GatewayError("invalid_signature", "token signature is not valid");
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported)
    return new GatewayError("invalid_algorithm", "token algorithm is not accepted");
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys)
    return new GatewayError("unknown_key", "token key id (kid) is not known");
  // Only jose's own errors describe the token. jose also throws plain TypeErrors, but on jose 6
  // none comes from token input (malformed parts are JWSInvalid/JWTInvalid; key selection filters
  // by kty and curve, and HS256 only ever gets the HMAC secret): they come from bad options or key
  // material, which are our bugs (a short RSA key is refused by config.ts) and must stay 500s.
  if (err instanceof errors.JOSEError) return new GatewayError("invalid_token", "token is malformed");
  throw err;
}

/** Checks the gateway's own claims; jose has already checked signature, exp, nbf, iss and aud. */
export function readClaims(
  payload: unknown,
  nowSeconds: number,
  toleranceSeconds: number,
  maxLifetimeSeconds: number,
): TokenClaims {
  const parsed = tokenClaimsSchema.safeParse(payload);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => String(i.path[0] ?? "claims")))];
    throw new GatewayError("invalid_claims", `invalid or missing claims: ${fields.join(", ")}`);
  }
  const { iat, exp } = parsed.data;
  if (iat !== undefined && iat > nowSeconds + toleranceSeconds)
    throw new GatewayError("token_not_yet_valid", "token was issued in the future");
  // Bounded lifetimes let revocations be forgotten once every token they match has expired.
  if (exp - (iat ?? nowSeconds) > maxLifetimeSeconds + toleranceSeconds)
    throw new GatewayError("invalid_claims", `token lifetime exceeds ${maxLifetimeSeconds} seconds`);
  return parsed.data;
}

export async function verifyUserToken(config: Config, token: string, now: Date): Promise<UserPrincipal> {
  if (token.length > MAX_TOKEN_BYTES) throw new GatewayError("invalid_token", "token is too large");
  const { getKeyFor, algorithms } = await verifierFor(config);
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, getKeyFor(token), {
      algorithms,
      issuer: config.issuer,
      audience: config.audience,
      clockTolerance: config.clockToleranceSeconds,
      requiredClaims: ["exp", "sub"],
      currentDate: now,
    }));
  } catch (err) {
    throw toGatewayError(err);
  }
  const claims = readClaims(
    payload,
    Math.floor(now.getTime() / 1000),
    config.clockToleranceSeconds,
    config.maxTokenLifetimeSeconds,
  );
  return {
    kind: "user",
    id: claims.sub,
    tenant: claims.tenant,
    scopes: claims.scope,
    rooms: claims.rooms,
    exp: claims.exp,
    jti: claims.jti,
    iat: claims.iat,
  };
}
