// User token verification with jose: signature and standard claims, then the gateway's own claims,
// each failure mapped to a stable code. Which keys may verify a token is in ./verifier.ts; tokens
// this isolate has already verified are remembered in ./token-cache.ts.
import { decodeProtectedHeader, errors, type JWTVerifyOptions, jwtVerify } from "jose";
import type { Config } from "../config.ts";
import { GatewayError } from "../errors.ts";
import { oncePer } from "../once-per.ts";
import { type TokenClaims, tokenClaimsSchema } from "../protocol.ts";
import { MAX_TOKEN_BYTES } from "../wire.ts";
import type { UserPrincipal } from "./principal.ts";
import { VerifiedTokens } from "./token-cache.ts";
import { claimedTenant, ForeignTenantKey, verifierFor } from "./verifier.ts";

/**
 * Signing keys tenants registered through the operator API. They are tried only when the
 * configured keys (JWT_SECRET, JWT_JWKS) have no key for a token, so tokens those keys verify or
 * refuse are judged exactly as before.
 */
export type RuntimeKeys = {
  /** The key `tenant` registered under `kid`, imported, with its algorithm and thumbprint. */
  find(
    tenant: string,
    kid: string,
  ): Promise<{ key: CryptoKey | Uint8Array; alg: string; fingerprint: string } | undefined>;
  /** Whether the key with this thumbprint is still registered for `tenant`. */
  holds(tenant: string, fingerprint: string): Promise<boolean>;
};

/** Verified tokens kept per isolate: ~1 KB each at most, so a few MB of the isolate's 128 MB. */
const VERIFIED_TOKENS = 4096;
/** Per Config, like the keys: a new configuration (a deploy) starts with an empty cache. */
const verifiedTokensFor = oncePer((_config: Config) => new VerifiedTokens(VERIFIED_TOKENS));

/** The token's SHA-256 as a 32-character binary string: a compact map key that is not the token. */
async function digestOf(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return String.fromCharCode(...new Uint8Array(digest));
}

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

/**
 * The principal a user token stands for. A token this isolate verified before answers from the
 * cache until its `exp` (one verified by a tenant's registered key, while that key stays
 * registered); any other is checked in full, after `beforeVerify` (the connect route's per-IP
 * brake, which must come before token work). Revocation is the caller's to check.
 */
export async function verifyUserToken(
  config: Config,
  token: string,
  now: Date,
  beforeVerify?: () => Promise<void>,
  runtime?: RuntimeKeys,
): Promise<UserPrincipal> {
  if (token.length > MAX_TOKEN_BYTES) throw new GatewayError("invalid_token", "token is too large");
  const cache = verifiedTokensFor(config);
  const digest = await digestOf(token);
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const cached = cache.lookup(digest, nowSeconds);
  if (cached !== undefined && (cached.via === undefined || (await runtime?.holds(cached.principal.tenant, cached.via))))
    return cached.principal;
  await beforeVerify?.();
  const { principal, via } = await verifyInFull(config, token, now, runtime);
  cache.set(digest, principal, nowSeconds, via);
  return principal;
}

const verifyOptions = (config: Config, algorithms: string[], now: Date): JWTVerifyOptions => ({
  algorithms,
  issuer: config.issuer,
  audience: config.audience,
  clockTolerance: config.clockToleranceSeconds,
  requiredClaims: ["exp", "sub"],
  currentDate: now,
});

/**
 * The configured keys had none for this token: none with its kid, none its tenant may use, or its
 * algorithm not configured. Its tenant may have registered a key for it.
 */
const noConfiguredKey = (err: unknown) =>
  err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JOSEAlgNotAllowed || err instanceof ForeignTenantKey;

/** The registered key of the tenant the token claims, under the kid it names. */
async function registeredKeyFor(token: string, runtime: RuntimeKeys) {
  const tenant = claimedTenant(token);
  let kid: unknown;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch (err) {
    if (err instanceof errors.JOSEError) return undefined;
    throw err;
  }
  return tenant === undefined || typeof kid !== "string" ? undefined : runtime.find(tenant, kid);
}

async function verifyInFull(
  config: Config,
  token: string,
  now: Date,
  runtime: RuntimeKeys | undefined,
): Promise<{ principal: UserPrincipal; via: string | undefined }> {
  const { getKeyFor, algorithms } = await verifierFor(config);
  let payload: unknown;
  let via: string | undefined;
  try {
    ({ payload } = await jwtVerify(token, getKeyFor(token), verifyOptions(config, algorithms, now)));
  } catch (err) {
    const registered =
      runtime !== undefined && noConfiguredKey(err) ? await registeredKeyFor(token, runtime) : undefined;
    if (registered === undefined) throw toGatewayError(err);
    try {
      ({ payload } = await jwtVerify(token, registered.key, verifyOptions(config, [registered.alg], now)));
    } catch (err2) {
      throw toGatewayError(err2);
    }
    via = registered.fingerprint;
  }
  const claims = readClaims(
    payload,
    Math.floor(now.getTime() / 1000),
    config.clockToleranceSeconds,
    config.maxTokenLifetimeSeconds,
  );
  // Frozen: the cache hands the same object to every later request with this token.
  const principal: UserPrincipal = Object.freeze({
    kind: "user",
    id: claims.sub,
    tenant: claims.tenant,
    scopes: Object.freeze(claims.scope),
    rooms: claims.rooms === undefined ? undefined : Object.freeze(claims.rooms),
    exp: claims.exp,
    jti: claims.jti,
    iat: claims.iat,
    info: claims.info,
    filter: claims.filter,
  });
  return { principal, via };
}
