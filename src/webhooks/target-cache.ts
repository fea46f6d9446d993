// The consumer's view of a tenant's endpoints: read from the hub at most once per TARGETS_TTL_MS
// per isolate, secrets opened into non-extractable HMAC keys once per read. A change made through
// this isolate's routes drops its entry at once; other isolates see it within the TTL.
import type { Env } from "../env.ts";
import { log } from "../log.ts";
import type { StoredTarget } from "./endpoint-store.ts";
import { hubStub } from "./hub.ts";
import { open } from "./secret-box.ts";
import { hmacKey } from "./signing.ts";

export const TARGETS_TTL_MS = 5_000;
const MAX_TENANTS = 1_000;

/** An endpoint ready to sign for; `keyProblem` says why it cannot (its deliveries then fail). */
export type Target = Omit<StoredTarget, "secrets"> & { keys: CryptoKey[]; keyProblem?: string };

type Entry = { until: number; targets: Promise<Target[]> };
const cache = new Map<string, Entry>();

async function ready(t: StoredTarget, tenant: string, secretKey: string | undefined): Promise<Target> {
  const { secrets, ...rest } = t;
  if (secretKey === undefined) return { ...rest, keys: [], keyProblem: "WEBHOOK_SECRET_KEY is not set" };
  try {
    const keys = await Promise.all(secrets.map(async (s) => hmacKey(await open(secretKey, s, tenant, t.id))));
    return { ...rest, keys };
  } catch (err) {
    log("webhook_secret_unusable", { tenant, endpoint: t.id, error: String(err) });
    return { ...rest, keys: [], keyProblem: `the signing secret cannot be opened: ${String(err)}` };
  }
}

async function load(env: Env, tenant: string, secretKey: string | undefined): Promise<Target[]> {
  const stored = await hubStub(env, tenant).targets();
  return Promise.all(stored.map((t) => ready(t, tenant, secretKey)));
}

export function targetsOf(env: Env, tenant: string, secretKey: string | undefined, now: number): Promise<Target[]> {
  const hit = cache.get(tenant);
  if (hit !== undefined && hit.until > now) return hit.targets;
  const targets = load(env, tenant, secretKey);
  cache.delete(tenant);
  if (cache.size >= MAX_TENANTS) cache.delete(cache.keys().next().value ?? "");
  cache.set(tenant, { until: now + TARGETS_TTL_MS, targets });
  // A failed read is not kept: the next message tries again.
  targets.catch(() => {
    if (cache.get(tenant)?.targets === targets) cache.delete(tenant);
  });
  return targets;
}

export function forgetTargets(tenant: string): void {
  cache.delete(tenant);
}
