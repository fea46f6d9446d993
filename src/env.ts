import type { Principal } from "./auth/principal.ts";
import type { Config } from "./config.ts";
import type { Room } from "./room/room.ts";
import type { Tenant } from "./tenant/tenant.ts";

export type Env = {
  ROOMS: DurableObjectNamespace<Room>;
  PUBLISH_LIMITER: RateLimit;
  CONNECT_LIMITER: RateLimit;
  API_LIMITER: RateLimit;
  CONNECT_IP_LIMITER: RateLimit;
  AUTH_FAIL_IP_LIMITER: RateLimit;
  TENANTS: DurableObjectNamespace<Tenant>;
  // [vars]
  MAX_PAYLOAD_BYTES?: string;
  CLIENT_PUBLISH_BURST?: string;
  CLIENT_PUBLISH_WINDOW_SECONDS?: string;
  CLIENT_USER_PUBLISH_BURST?: string;
  ABUSE_STRIKES?: string;
  MAX_CONNECTIONS_PER_USER?: string;
  MAX_CONNECTIONS_PER_ROOM?: string;
  MAX_TOKEN_LIFETIME_SECONDS?: string;
  ALLOWED_ORIGINS?: string;
  HISTORY_MAX_MESSAGES?: string;
  HISTORY_MAX_AGE_SECONDS?: string;
  HISTORY_PAGE_MAX_BYTES?: string;
  JWT_CLOCK_TOLERANCE_SECONDS?: string;
  JWT_ISSUER?: string;
  JWT_AUDIENCE?: string;
  // secrets
  JWT_SECRET?: string;
  JWT_JWKS?: string;
  API_KEYS?: string;
};

export type AppEnv = {
  Bindings: Env;
  Variables: { config: Config; principal: Principal; room: string };
};
