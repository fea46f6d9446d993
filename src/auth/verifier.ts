// The keys that may verify a user token, imported once per isolate (per Config object). The
// algorithm allowlist follows from the configured keys, so `none` and HS/RS confusion fail, and a
// key bound to a tenant is never a candidate for another tenant's token.
import { createLocalJWKSet, decodeJwt, errors, type JWTVerifyGetKey } from "jose";
import type { Config } from "../config.ts";
import { GatewayError } from "../errors.ts";
import { oncePer } from "../once-per.ts";

type Verifier = {
  /** Picks, among the keys that may sign for the tenant `token` claims, the one it names. */
  getKeyFor: (token: string) => JWTVerifyGetKey;
  algorithms: string[];
};

type Jwk = NonNullable<Config["jwks"]>["keys"][number];
type JwkSet = ReturnType<typeof createLocalJWKSet>;
const localSet = (keys: Jwk[]): JwkSet => createLocalJWKSet({ keys } as Parameters<typeof createLocalJWKSet>[0]);

export const verifierFor: (config: Config) => Promise<Verifier> = oncePer(buildVerifier);

/** The token names a configured key bound to another tenant: its own tenant may still have registered that kid. */
export class ForeignTenantKey extends GatewayError {}

/** The JWS algorithm a public JWK verifies, from its `alg` or, failing that, its key type. */
export function algOf(jwk: { kty: string; alg?: unknown; crv?: unknown }): string | undefined {
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
          throw new ForeignTenantKey("invalid_claims", "token's key may not sign for its tenant");
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
export function claimedTenant(token: string): string | undefined {
  try {
    const { tenant } = decodeJwt(token);
    return typeof tenant === "string" ? tenant : undefined;
  } catch (err) {
    if (err instanceof errors.JOSEError) return undefined;
    throw err;
  }
}
