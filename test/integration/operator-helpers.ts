// Calls to the operator API from tests inside workerd, and keys and tokens for runtime tenants.
import { env } from "cloudflare:workers";
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";
import { request } from "../support/gateway.ts";
import { claimsFor, type TokenOptions } from "../support/tokens.ts";

export function operatorKey(id: string): string {
  const key = (JSON.parse(env.TEST_OPERATOR_KEYS) as Record<string, string>)[id];
  if (key === undefined) throw new Error(`no test operator key ${id}`);
  return key;
}

/** A JSON call to /v1/operator/… with an operator key (or any credential in `auth`). */
export function operator(
  method: string,
  path: string,
  body?: unknown,
  auth: Record<string, string> = {},
): Promise<Response> {
  return request(`/v1/operator${path}`, {
    method,
    headers: { "content-type": "application/json", ...auth },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** Operator calls made with one test operator key. */
export function operatorAs(id: string) {
  const auth = { authorization: `Bearer ${operatorKey(id)}` };
  return (method: string, path: string, body?: unknown) => operator(method, path, body, auth);
}

export type OperatorCall = ReturnType<typeof operatorAs>;

/** The JSON of a response that must have `status`. */
export async function jsonOf<T = Record<string, unknown>>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

export const freshTenant = (prefix = "t") => `${prefix}-${crypto.randomUUID().slice(0, 12)}`;

/** Creates a tenant and one API key for it with `scopes`; answers the key. */
export async function tenantWithKey(call: OperatorCall, tenant: string, scopes = ["publish"]): Promise<string> {
  await jsonOf(await call("POST", "/tenants", { id: tenant }), 201);
  const { key } = await jsonOf<{ key: string }>(await call("POST", `/tenants/${tenant}/api-keys`, { scopes }), 201);
  return key;
}

/** A fresh ES256 key pair: the public JWK to register, and a signer for tokens under its kid. */
export async function signingPair(kid: string) {
  const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "ES256" };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: "ES256" };
  const sign = (o: TokenOptions & { claims?: JWTPayload }) =>
    new SignJWT(claimsFor(o)).setProtectedHeader({ alg: "ES256", kid }).sign(privateKey);
  return { publicJwk, privateJwk, sign };
}
