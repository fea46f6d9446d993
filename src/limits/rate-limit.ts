// The Workers rate-limit binding, keyed by stable identity (never by IP alone).
import { createMiddleware } from "hono/factory";
import type { Principal } from "../auth/principal.ts";
import type { AppEnv, Env } from "../env.ts";
import { GatewayError } from "../errors.ts";

type LimiterName = "PUBLISH_LIMITER" | "CONNECT_LIMITER" | "API_LIMITER";

/** The binding's window (wrangler.toml `period`): the longest a client may need to wait. */
const RETRY_AFTER_SECONDS = 10;

/** `publish:api_key:<tenant>:<id>`, `connect:user:<tenant>:<sub>`, … */
export function limitKey(action: string, p: Principal): string {
  return `${action}:${p.kind}:${p.tenant}:${p.id}`;
}

export const rateLimit = (binding: LimiterName, action: string) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const limiter: Env[LimiterName] = c.env[binding];
    const { success } = await limiter.limit({ key: limitKey(action, c.var.principal) });
    if (!success) throw new GatewayError("rate_limited", `too many ${action} requests`, undefined, RETRY_AFTER_SECONDS);
    await next();
  });
