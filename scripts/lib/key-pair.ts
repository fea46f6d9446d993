// Asymmetric signing keys for the gateway's JWT_JWKS, as JWKs. Randomness is jose's (WebCrypto).
import { exportJWK, generateKeyPair, type JWK } from "jose";

/** The algorithms the gateway's verifier recognises from a JWKS entry (src/auth/verifier.ts). */
export const SIGNING_ALGS = ["ES256", "RS256", "EdDSA"] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];

export function isSigningAlg(s: string): s is SigningAlg {
  return (SIGNING_ALGS as readonly string[]).includes(s);
}

/** `es256-20261125-3fa9`: sortable by creation day, unique enough to tell rotations apart. */
export function defaultKid(alg: SigningAlg, now: Date, randomHex4: string): string {
  const day = now.toISOString().slice(0, 10).replaceAll("-", "");
  return `${alg.toLowerCase()}-${day}-${randomHex4}`;
}

export type KeyPairJwks = { privateJwk: JWK; publicJwk: JWK };

export async function generateSigningKey(alg: SigningAlg, kid: string): Promise<KeyPairJwks> {
  // RS256 gets 2048-bit keys (jose's default and floor); EdDSA means Ed25519.
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const meta = { kid, alg, use: "sig" };
  return {
    privateJwk: { ...(await exportJWK(privateKey)), ...meta },
    publicJwk: { ...(await exportJWK(publicKey)), ...meta },
  };
}
