// Where requests meet the control plane: runtime API keys and signing keys for verification, then
// the tenant's status, limits and origins for every request a credential was verified for. All of
// it comes from the isolate's ControlLookups; only a miss reads the tenant's object.
import type { Context } from "hono";
import type { TenantKeyLookup } from "../auth/api-keys.ts";
import type { RuntimeKeys } from "../auth/jwt.ts";
import type { Config } from "../config.ts";
import type { AppEnv, Env } from "../env.ts";
import { GatewayError } from "../errors.ts";
import { lookupIpBrake } from "../limits/rate-limit.ts";
import { oncePer } from "../once-per.ts";
import type { TenantSnapshot } from "../protocol.ts";
import { effectiveLimits } from "./limits.ts";
import { ControlLookups } from "./lookups.ts";
import { tenantControl } from "./stubs.ts";
import type { TenantPolicy, TenantTerms } from "./terms.ts";

export const lookupsFor = oncePer(
  (env: Env) =>
    new ControlLookups(
      {
        snapshot: (tenant, unknownKid) => tenantControl(env, tenant).controlSnapshot(unknownKid),
        useKey: (tenant, id, hash) => tenantControl(env, tenant).controlUseKey(id, hash),
      },
      () => Date.now(),
    ),
);

/** Runtime API keys (`bgw_<tenant>.<id>_…`) for `verifyApiKey`. */
export const tenantKeyLookup =
  (c: Context<AppEnv>): TenantKeyLookup =>
  (tenant, id, hash) =>
    lookupsFor(c.env).key(tenant, id, hash, () => lookupIpBrake(c));

/** Tenants' registered signing keys for `verifyUserToken`. */
export function runtimeKeys(c: Context<AppEnv>): RuntimeKeys {
  const lookups = lookupsFor(c.env);
  return {
    find: (tenant, kid) => lookups.signingKey(tenant, kid, () => lookupIpBrake(c)),
    holds: (tenant, fingerprint) => lookups.holds(tenant, fingerprint),
  };
}

/**
 * The terms the snapshot holds, for the rooms a request calls: a room that has not heard of a change
 * (no socket of the tenant, so no push) follows it from the next request. Undefined for a tenant
 * without a record (the defaults, which every room knows) or an older tenant object's snapshot.
 */
const termsOf = (s: TenantSnapshot): TenantTerms | undefined =>
  s.at === undefined || s.at === 0 ? undefined : { status: s.status, limits: s.limits, at: s.at };

const policies = new WeakMap<TenantSnapshot, { config: Config; policy: TenantPolicy }>();

/** Built once per snapshot read (every FRESH_MS), not per request. */
function policyOf(snapshot: TenantSnapshot, config: Config): TenantPolicy {
  const known = policies.get(snapshot);
  if (known?.config === config) return known.policy;
  const policy = {
    limits: effectiveLimits(snapshot.limits, config),
    terms: termsOf(snapshot),
    allowedOrigins: snapshot.allowedOrigins,
  };
  policies.set(snapshot, { config, policy });
  return policy;
}

/**
 * Refuses a suspended or deleted tenant's credentials (403 tenant_suspended) and puts the tenant's
 * policy in `c.var.tenant`. A tenant without a record is active with the global defaults.
 */
export async function admitTenant(c: Context<AppEnv>, tenant: string): Promise<void> {
  const snapshot = await lookupsFor(c.env).snapshot(tenant);
  if (snapshot.status !== "active")
    throw new GatewayError(
      "tenant_suspended",
      snapshot.status === "deleted" ? "this tenant has been deleted" : "this tenant is suspended",
    );
  c.set("tenant", policyOf(snapshot, c.get("config")));
}
