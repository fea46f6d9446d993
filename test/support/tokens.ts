// Signing helpers for tests inside workerd, using the test-only private key bindings.
import { env } from "cloudflare:workers";
import { importJWK, type JWTPayload, SignJWT } from "jose";

export type TokenOptions = {
  sub?: string;
  tenant?: string;
  scope?: string;
  rooms?: string[];
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number;
  claims?: JWTPayload;
  /** Omit a claim entirely. */
  omit?: string[];
  kid?: string;
  header?: Record<string, unknown>;
};

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A `sub` no other test uses, so per-user rate limits never carry over between tests. */
export const uniqueSub = (prefix = "user") => `${prefix}-${crypto.randomUUID().slice(0, 8)}`;

export function claimsFor(o: TokenOptions): JWTPayload {
  const claims: JWTPayload = {
    sub: o.sub ?? "alice",
    tenant: o.tenant ?? "acme",
    exp: nowSeconds() + (o.expiresIn ?? 3600),
    iat: nowSeconds(),
    ...(o.scope === undefined ? {} : { scope: o.scope }),
    ...(o.rooms === undefined ? {} : { rooms: o.rooms }),
    ...o.claims,
  };
  for (const k of o.omit ?? []) delete claims[k];
  return claims;
}

/** HS256 with the gateway's JWT_SECRET, or the private JWK named by `kid`. */
export async function signToken(o: TokenOptions = {}): Promise<string> {
  if (o.kid === undefined) {
    return new SignJWT(claimsFor(o))
      .setProtectedHeader({ alg: "HS256", ...o.header })
      .sign(new TextEncoder().encode(env.JWT_SECRET));
  }
  const jwk = (JSON.parse(env.TEST_PRIVATE_JWKS) as { kid: string; alg: string }[]).find((k) => k.kid === o.kid);
  if (jwk === undefined) throw new Error(`no test key ${o.kid}`);
  return new SignJWT(claimsFor(o))
    .setProtectedHeader({ alg: jwk.alg, kid: o.kid, ...o.header })
    .sign(await importJWK(jwk, jwk.alg));
}

/** A token with an arbitrary header and signature part, for attacks jose refuses to sign. */
export function forgeToken(header: Record<string, unknown>, claims: JWTPayload, signature = ""): string {
  const b64 = (v: unknown) => btoa(JSON.stringify(v)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `${b64(header)}.${b64(claims)}.${signature}`;
}

export function apiKey(id: string): string {
  const key = (JSON.parse(env.TEST_API_KEYS) as Record<string, string>)[id];
  if (key === undefined) throw new Error(`no test API key ${id}`);
  return key;
}
