import type { Principal } from "./auth/principal.ts";
import type { Config } from "./config.ts";
import type { TenantPolicy } from "./control/terms.ts";

// Bindings and [vars] are typed by `wrangler types` from wrangler.toml (worker-configuration.d.ts:
// run `npm run cf-typegen` after editing wrangler.toml; CI fails when it is stale). Vars are plain
// strings there (--strict-vars=false) because src/config.ts validates them. Secrets live outside
// wrangler.toml, so they are declared here, optional: each may be absent (config.ts decides).
// `--env-file=/dev/null` keeps a developer's .dev.vars out of the generated file.
declare global {
  namespace Cloudflare {
    interface Env {
      JWT_SECRET?: string;
      JWT_JWKS?: string;
      API_KEYS?: string;
      OPERATOR_KEYS?: string;
      WEBHOOK_SECRET_KEY?: string;
      SHARD_PLACEMENT_KEY?: string;
    }
  }
}

export type Env = Cloudflare.Env;

/** What a route does: one name for its rate-limit key, its error messages and its access log line. */
export type Action =
  | "connect"
  | "publish"
  | "history"
  | "presence"
  | "disconnect"
  | "revoke"
  | "inspect"
  | "webhooks"
  | "usage"
  | "rooms"
  | "tap"
  | "operator";

/** What a client's upgrade asks for, read once before any token work. */
export type UpgradeRequest = {
  token: string | undefined;
  /** The client offered `broadcast.v1`, so the answer names it. */
  subprotocol: boolean;
  since?: number | undefined;
  presence: boolean;
  batch: boolean;
};

/** Read with `c.get(name)`: Hono's `c.var` builds a new object from every variable on each access. */
export type AppEnv = {
  Bindings: Env;
  Variables: {
    config: Config;
    principal: Principal;
    room: string;
    action: Action;
    upgrade: UpgradeRequest;
    /** The verified credential's tenant: its limits and origins (src/control/hot-path.ts). */
    tenant: TenantPolicy;
    /** The operator key id on /v1/operator/* routes. */
    operator: string;
  };
};
