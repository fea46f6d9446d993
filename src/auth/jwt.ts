// User token verification with jose. Keys are imported once per isolate (per Config object);
// the algorithm allowlist follows from the configured keys, so `none` and HS/RS confusion fail.
import { createLocalJWKSet, decodeJwt, errors, type JWTVerifyGetKey, jwtVerify } from "jose";
import type { Config } from "../config.ts";
import { GatewayError } from "../errors.ts";
import { type TokenClaims, tokenClaimsSchema } from "../protocol.ts";
import type { Principal } from "./principal.ts";

/** Tokens larger than this are refused before any crypto work. */
export const MAX_TOKEN_BYTES = 8192;

type Verifier = {
  /** Picks, among the keys that may sign for the tenant `token` claims, the one it names. */
  getKeyFor: (token: string) => JWTVerifyGetKey;
  algorithms: string[];
};

type Jwk = NonNullable<Config["jwks"]>["keys"][number];
type JwkSet = ReturnType<typeof createLocalJWKSet>;
const localSet = (keys: Jwk[]): JwkSet => createLocalJWKSet({ keys } as Parameters<typeof createLocalJWKSet>[0]);

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
  const keys = config.jwks?.keys ?? [];
  for (const key of keys) {
    const alg = algOf(key);
    if (alg !== undefined && !algorithms.includes(alg)) algorithms.push(alg);
  }
  // A key bound to a tenant is never a candidate for another tenant's token, so it cannot verify
  // one, whether or not the token names its kid. Unbound keys serve every tenant.
  const everyKey = localSet(keys);
  const unbound = localSet(keys.filter((k) => k.tenant === undefined));
  const perTenant = new Map<string, JwkSet>();
  for (const tenant of new Set(keys.flatMap((k) => k.tenant ?? []))) {
    perTenant.set(tenant, localSet(keys.filter((k) => k.tenant === undefined || k.tenant === tenant)));
  }
  const candidatesFor = (token: string): JwkSet => {
    if (perTenant.size === 0) return everyKey;
    const tenant = claimedTenant(token);
    return (tenant === undefined ? undefined : perTenant.get(tenant)) ?? unbound;
  };
  const getKeyFor =
    (compact: string): JWTVerifyGetKey =>
    async (header, jws) => {
      // HS256 only ever verifies with the shared secret: a token "signed" with a public key fails here.
      if (header.alg === "HS256") {
        if (secret === undefined) throw new errors.JOSEAlgNotAllowed("HS256 is not configured");
        return secret;
      }
      if (keys.length === 0) throw new errors.JOSEAlgNotAllowed(`${header.alg} is not configured`);
      const candidates = candidatesFor(compact);
      try {
        return await candidates(header, jws);
      } catch (err) {
        if (
          err instanceof errors.JWKSNoMatchingKey &&
          candidates !== everyKey &&
          (await selects(everyKey, header, jws))
        )
          throw new GatewayError("invalid_claims", "token's key may not sign for its tenant");
        throw err;
      }
    };
  return { getKeyFor, algorithms };
}

/** Whether `set` has exactly one key for this token. */
async function selects(set: JwkSet, ...args: Parameters<JwkSet>): Promise<boolean> {
  try {
    await set(...args);
    return true;
  } catch (err) {
    if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) return false;
    throw err;
  }
}

/**
 * The tenant a token claims, read before its signature is checked only to choose the keys that may
 * verify it; the verified payload is the same text. Undecodable means only unbound keys apply, and
 * jwtVerify then reports what is wrong with the token.
 */
function claimedTenant(token: string): string | undefined {
  try {
    const { tenant } = decodeJwt(token);
    return typeof tenant === "string" ? tenant : undefined;
  } catch (err) {
    if (err instanceof errors.JOSEError) return undefined;
    throw err;
  }
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
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join(".") || "claims"))];
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

export async function verifyUserToken(config: Config, token: string, now: Date = new Date()): Promise<Principal> {
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
