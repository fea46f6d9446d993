// The tenant flag shared by mint-token and create-api-key, checked against the gateway's pattern.
import { TENANT_PATTERN } from "../../src/wire.ts";
import { UsageError } from "./cli.ts";

export function checkTenant(tenant: string): string {
  if (!TENANT_PATTERN.test(tenant))
    throw new UsageError(`--tenant must be 1-64 lowercase letters, digits, "_" or "-", got "${tenant}"`);
  return tenant;
}
