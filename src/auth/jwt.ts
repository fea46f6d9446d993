// User token verification with jose. Keys are imported once per isolate (per Config object);
// the algorithm allowlist follows from the configured keys, so `none` and HS/RS confusion fail.
import { createLocalJWKSet, errors, type JWTVerifyGetKey, jwtVerify } from "jose";
import type { Config } from "../config.ts";
import { GatewayError } from "../errors.ts";
import { type TokenClaims, tokenClaimsSchema } from "../protocol.ts";
import { MAX_TOKEN_BYTES } from "../wire.ts";
import type { UserPrincipal } from "./principal.ts";

type Verifier = { getKey: JWTVerifyGetKey; algorithms: string[] };

const verifiers = new WeakMap<Config, Promise<Verifier>>();

function verifierFor(config: Config): Promise<Verifier> {
  let v = verifiers.get(config);
  if (v === undefined) {
    v = buildVerifier(config);
    verifiers.set(config, v);
  }
  return v;
}

/** The JWS algorithm a public JWK verifies, from its `alg` or, failing that, its key type. */
function algOf(jwk: { kty: string; alg?: unknown; crv?: unknown }): string | undefined {
  if (typeof jwk.alg === "string") return jwk.alg;
  if (jwk.kty === "EC" && jwk.crv === "P-256") return "ES256";
  if (jwk.kty === "RSA") return "RS256";
  if (jwk.kty === "OKP" && jwk.crv === "Ed25519") return "EdDSA";
  return undefined;
}

async function buildVerifier(config: Config): Promise<Verifier> {
  const algorithms: string[] = [];
  const secret =
    config.jwtSecret === undefined
      ? undefined
      : await crypto.subtle.importKey(
          "raw",
          new TextEncoder().encode(config.jwtSecret),
          { name: "HMAC", hash: "SHA-256" },
          false,
          ["verify"],
        );
  if (secret !== undefined) algorithms.push("HS256");
  const jwks =
    config.jwks === undefined ? undefined : createLocalJWKSet(config.jwks as Parameters<typeof createLocalJWKSet>[0]);
  for (const key of config.jwks?.keys ?? []) {
    const alg = algOf(key);
    if (alg !== undefined && !algorithms.includes(alg)) algorithms.push(alg);
  }
  const getKey: JWTVerifyGetKey = (header, token) => {
    // HS256 only ever verifies with the shared secret: a token "signed" with a public key fails here.
    if (header.alg === "HS256") {
      if (secret === undefined) throw new errors.JOSEAlgNotAllowed("HS256 is not configured");
      return secret;
    }
    if (jwks === undefined) throw new errors.JOSEAlgNotAllowed(`${header.alg} is not configured`);
    return jwks(header, token);
  };
  return { getKey, algorithms };
}

/** Maps jose failures to the gateway's stable codes; anything unexpected is rethrown. */
function toGatewayError(err: unknown): GatewayError {
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
  if (err instanceof errors.JOSEError || err instanceof TypeError)
    return new GatewayError("invalid_token", "token is malformed");
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
  const { getKey, algorithms } = await verifierFor(config);
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, getKey, {
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
