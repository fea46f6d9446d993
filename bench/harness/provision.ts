// What a target needs on its gateway once it listens and before any session: the control plane's
// keys (target-specs `keys: "runtime"`: the bench tenant, an API key and the run's signing key,
// made through the operator API as an operator would), or a webhook endpoint for every event.
import { WEBHOOK_EVENT_TYPES } from "../../src/wire.ts";
import { boundedFetch } from "./bounded-fetch.ts";
import { BENCH_TENANT, type BenchCredentials } from "./credentials.ts";
import { keysOf, specOf, type TargetName } from "./target-specs.ts";
import { WebhookReceiver } from "./webhook-receiver.ts";

const CALL_TIMEOUT_MS = 30_000;

/** POSTs `body` as JSON with `key`; the answer's JSON, or an error naming the call and the refusal. */
async function post(base: string, path: string, key: string, body: unknown): Promise<unknown> {
  const init = {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  };
  const res = await boundedFetch(`${base}${path}`, init, CALL_TIMEOUT_MS);
  if (!res.ok) throw new Error(`POST ${path} answered ${res.status}: ${res.text.slice(0, 200)}`);
  return JSON.parse(res.text) as unknown;
}

/**
 * Creates the bench tenant (no limits of its own: the global defaults, as for a tenant without a
 * record), an API key with the API_KEYS key's scopes, and registers the run's public key. Returns
 * the new API key, which the target's publishes and admin reads then use.
 */
export async function provisionRuntimeKeys(base: string, credentials: BenchCredentials): Promise<string> {
  const { operatorKey, signing } = credentials;
  await post(base, "/v1/operator/tenants", operatorKey, { id: BENCH_TENANT });
  const keys = `/v1/operator/tenants/${BENCH_TENANT}`;
  const made = (await post(base, `${keys}/api-keys`, operatorKey, { scopes: ["publish", "admin"], name: "bench" })) as {
    key?: unknown;
  };
  if (typeof made.key !== "string") throw new Error("the operator API answered no API key");
  await post(base, `${keys}/signing-keys`, operatorKey, { jwk: signing.publicJwk });
  return made.key;
}

/** Subscribes `url` to every event of every room of the bench tenant (its admin key). */
export async function subscribeEndpoint(base: string, apiKey: string, url: string): Promise<void> {
  await post(base, "/v1/admin/webhooks", apiKey, { url, events: [...WEBHOOK_EVENT_TYPES] });
}

/** The secrets a gateway target's keys need beside the run's own (the public key, or the operator key). */
export function keySecrets(name: TargetName, credentials: BenchCredentials): Record<string, string> {
  const keys = keysOf(name);
  return keys === "secret" ? {} : credentials.keySecrets[keys];
}

/** What the sessions of a started gateway target use: its API key and, with webhooks, the receiver. */
export type Prepared = { apiKey: string; receiver: WebhookReceiver | undefined };

/** Makes what the target's spec asks for on the gateway at `base`; a receiver it started is stopped on failure. */
export async function prepareGateway(name: TargetName, base: string, credentials: BenchCredentials): Promise<Prepared> {
  const apiKey = keysOf(name) === "runtime" ? await provisionRuntimeKeys(base, credentials) : credentials.apiKey;
  if (specOf(name).webhooks !== true) return { apiKey, receiver: undefined };
  const receiver = await WebhookReceiver.start();
  try {
    await subscribeEndpoint(base, apiKey, receiver.url);
  } catch (err) {
    await receiver.stop();
    throw err;
  }
  return { apiKey, receiver };
}
