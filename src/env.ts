import type { Principal } from "./auth/principal.ts";
import type { Config, ConfigVarName } from "./config.ts";
import type { Room } from "./room/room.ts";
import type { Action } from "./routes/action.ts";
import type { UpgradeRequest } from "./routes/connect.ts";
import type { Tenant } from "./tenant/tenant.ts";

/** Bindings, plus every variable and secret config.ts reads (named there, once). */
export type Env = {
  ROOMS: DurableObjectNamespace<Room>;
  PUBLISH_LIMITER: RateLimit;
  CONNECT_LIMITER: RateLimit;
  API_LIMITER: RateLimit;
  CONNECT_IP_LIMITER: RateLimit;
  AUTH_FAIL_IP_LIMITER: RateLimit;
  TENANTS: DurableObjectNamespace<Tenant>;
} & { [Name in ConfigVarName]?: string };

export type AppEnv = {
  Bindings: Env;
  Variables: { config: Config; principal: Principal; room: string; action: Action; upgrade: UpgradeRequest };
};
