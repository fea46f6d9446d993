// Typed stubs for the control plane's objects. The RPC types the runtime generates cannot express
// `unknown` members (a JWK's extra members, an audit entry's details) and collapse such answers to
// `unknown`; these are plain data, which structured clone carries unchanged, so each method's own
// signature is the truth. The one cast lives here.
import type { Env } from "../env.ts";
import { type Tenant, tenantStub } from "../tenant/tenant.ts";
import type { Directory } from "./directory.ts";

type Remote<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

type ControlMethods = { [K in keyof Tenant as K extends `control${string}` ? K : never]: Tenant[K] };

/** The tenant's object, by its control-plane methods only. */
export const tenantControl = (env: Env, tenant: string) => tenantStub(env, tenant) as unknown as Remote<ControlMethods>;

/** The directory object: the tenant list and the audit log. */
export const directory = (env: Env) =>
  env.DIRECTORY.get(env.DIRECTORY.idFromName("directory")) as unknown as Remote<
    Pick<Directory, "record" | "tenants" | "audit">
  >;
