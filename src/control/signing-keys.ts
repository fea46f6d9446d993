// Signing keys a tenant registers: one public JWK, or every usable key of a JWKS document its
// identity provider serves. Each is checked the way JWT_JWKS is (public members only, RSA of 2048
// bits or more), must name an algorithm the gateway verifies, and must import; its thumbprint
// tells two keys with one kid apart (a cached token names the key that verified it).
import { calculateJwkThumbprint, importJWK } from "jose";
import { z } from "zod";
import { algOf } from "../auth/verifier.ts";
import { type Jwk, PRIVATE_JWK_MEMBERS, publicJwkSchema, type SigningKey } from "../protocol.ts";

/** Algorithms a registered key may verify; HS256 belongs to JWT_SECRET alone. */
const ALGORITHMS = new Set(["ES256", "ES384", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "EdDSA"]);
/** Keys taken from one JWKS document; more is not an identity provider's signing set. */
const MAX_JWKS_KEYS = 50;

/** The key ready to store, or why it cannot verify tokens. `tenant` is dropped: the tenant's object binds it. */
export async function toSigningKey(jwk: Jwk): Promise<SigningKey | { problem: string }> {
  const { tenant: _, ...key } = jwk;
  const alg = algOf(key);
  if (alg === undefined || !ALGORITHMS.has(alg))
    return { problem: `key "${key.kid}" has no signature algorithm the gateway verifies (alg ${String(key.alg)})` };
  try {
    await importJWK(key, alg);
  } catch {
    return { problem: `key "${key.kid}" is not a valid ${alg} public key` };
  }
  return { kid: key.kid, jwk: key as Jwk, fingerprint: await calculateJwkThumbprint(key) };
}

const documentSchema = z.object({ keys: z.array(z.looseObject({ kty: z.string() })).min(1) });

/** A key of a provider's set that is not for signatures, or cannot be picked by kid, is passed over. */
const isSigningCandidate = (k: Record<string, unknown>) => k.use !== "enc" && typeof k.kid === "string";

/**
 * The usable signing keys of a JWKS document, or why it is refused: not a JWKS, a private key in
 * it (a provider that publishes one is compromised), or no key the gateway can verify with.
 */
export async function keysOfJwks(
  raw: unknown,
): Promise<{ ok: true; keys: SigningKey[] } | { ok: false; reason: string }> {
  const doc = documentSchema.safeParse(raw);
  if (!doc.success) return { ok: false, reason: 'answered a document that is not a JWKS ({"keys":[…]})' };
  const candidates = doc.data.keys.filter(isSigningCandidate).slice(0, MAX_JWKS_KEYS);
  const keys: SigningKey[] = [];
  for (const candidate of candidates) {
    const member = PRIVATE_JWK_MEMBERS.find((m) => m in candidate);
    if (member !== undefined)
      return { ok: false, reason: `serves key "${String(candidate.kid)}" with the private member "${member}"` };
    const parsed = publicJwkSchema.safeParse(candidate);
    if (!parsed.success) continue;
    const key = await toSigningKey(parsed.data);
    if (!("problem" in key)) keys.push(key);
  }
  if (keys.length === 0) return { ok: false, reason: "serves no signing key with a kid the gateway can verify with" };
  return { ok: true, keys };
}
