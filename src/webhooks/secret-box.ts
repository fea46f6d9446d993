// Signing secrets at rest: AES-256-GCM under the Worker secret WEBHOOK_SECRET_KEY, bound to the
// tenant and endpoint they belong to (additional data), so a sealed secret copied to another
// record does not open. Storage alone never yields a secret; only code holding the key can sign.
import { fromBase64, toBase64 } from "./base64.ts";

const VERSION = "v1";
const encoder = new TextEncoder();

type Box = { key: CryptoKey; keyId: string };
const boxes = new Map<string, Promise<Box>>();

/** The AES key, imported once per isolate; its id (a hash prefix) tells which key sealed a secret. */
function boxFor(keyText: string): Promise<Box> {
  let box = boxes.get(keyText);
  if (box === undefined) {
    box = (async () => {
      const raw = fromBase64(keyText);
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", raw));
      const keyId = [...digest.slice(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join("");
      const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
      return { key, keyId };
    })();
    boxes.set(keyText, box);
  }
  return box;
}

const additionalData = (tenant: string, endpoint: string) => encoder.encode(`${tenant}/${endpoint}`);

/** `v1.<key id>.<iv>.<ciphertext>` of `secret`, for endpoint `endpoint` of `tenant`. */
export async function seal(keyText: string, secret: Uint8Array, tenant: string, endpoint: string): Promise<string> {
  const { key, keyId } = await boxFor(keyText);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const params = { name: "AES-GCM", iv, additionalData: additionalData(tenant, endpoint) };
  const sealed = new Uint8Array(await crypto.subtle.encrypt(params, key, secret));
  return [VERSION, keyId, toBase64(iv), toBase64(sealed)].join(".");
}

export class SecretBoxError extends Error {
  override readonly name = "SecretBoxError";
}

export async function open(
  keyText: string,
  sealed: string,
  tenant: string,
  endpoint: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const [version, keyId, iv, data] = sealed.split(".");
  if (version !== VERSION || iv === undefined || data === undefined) throw new SecretBoxError("unknown sealed format");
  const box = await boxFor(keyText);
  if (keyId !== box.keyId)
    throw new SecretBoxError(`sealed under another WEBHOOK_SECRET_KEY (key id ${keyId}, configured ${box.keyId})`);
  const params = { name: "AES-GCM", iv: fromBase64(iv), additionalData: additionalData(tenant, endpoint) };
  try {
    return new Uint8Array(await crypto.subtle.decrypt(params, box.key, fromBase64(data)));
  } catch {
    throw new SecretBoxError("sealed secret does not open for this endpoint");
  }
}
