// Whether the gateway knows a tenant, for operator reads of its usage: a tenant the control plane
// holds (not deleted), or one the deployment's configuration names (an API_KEYS record, a JWT_JWKS
// key bound to it). A tenant that lives only in the claims of tokens signed by an unbound key has
// no record anywhere; it is answered 404 like a typo, rather than an empty series for any name.
import type { Config } from "../config.ts";
import { tenantControl } from "../control/stubs.ts";
import type { Env } from "../env.ts";

export function configuredTenant(config: Config, tenant: string): boolean {
  for (const key of config.apiKeys.values()) if (key.tenant === tenant) return true;
  return config.jwks?.keys.some((k) => k.tenant === tenant) ?? false;
}

export async function knownTenant(env: Env, config: Config, tenant: string): Promise<boolean> {
  if (configuredTenant(config, tenant)) return true;
  return (await tenantControl(env, tenant).controlGetTenant()).ok;
}
