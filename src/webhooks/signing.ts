// Standard Webhooks signatures (https://www.standardwebhooks.com): HMAC-SHA256 over
// `<webhook-id>.<webhook-timestamp>.<body>` with the secret's bytes, sent as `v1,<base64>`; during
// a rotation the header carries one signature per secret, separated by spaces.
import { fromBase64, toBase64 } from "./base64.ts";

export const SECRET_PREFIX = "whsec_";
/** Bytes of a new signing secret (Standard Webhooks asks for 24 to 64). */
export const SECRET_BYTES = 32;

/** A secret as shown to the tenant once: `whsec_` + base64 of its bytes. */
export function formatSecret(bytes: Uint8Array): string {
  return `${SECRET_PREFIX}${toBase64(bytes)}`;
}

/** An HMAC key that can sign but never be exported again. */
export function hmacKey(secretBytes: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", secretBytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
}

const encoder = new TextEncoder();

export async function sign(key: CryptoKey, id: string, timestamp: number, body: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(`${id}.${timestamp}.${body}`));
  return `v1,${toBase64(new Uint8Array(mac))}`;
}

/** The `webhook-signature` header: one `v1,` signature per key, newest first. */
export async function signatureHeader(
  keys: readonly CryptoKey[],
  id: string,
  timestamp: number,
  body: string,
): Promise<string> {
  const signatures = await Promise.all(keys.map((k) => sign(k, id, timestamp, body)));
  return signatures.join(" ");
}

/** The bytes of a `whsec_` secret (for tests and receivers written against this module). */
export function secretBytesOf(secret: string): Uint8Array<ArrayBuffer> {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error("not a whsec_ secret");
  return fromBase64(secret.slice(SECRET_PREFIX.length));
}
