// The Workers rate-limit binding, keyed by stable identity, plus a per-IP brake on connects.
import { createMiddleware } from "hono/factory";
import type { Principal } from "../auth/principal.ts";
import type { AppEnv, Env } from "../env.ts";
import { GatewayError } from "../errors.ts";

type LimiterName = "PUBLISH_LIMITER" | "CONNECT_LIMITER" | "API_LIMITER" | "CONNECT_IP_LIMITER";

/** The bindings' window (wrangler.toml `period`): the longest a client may need to wait. */
const RETRY_AFTER_SECONDS = 10;

/** `publish:api_key:<tenant>:<id>`, `connect:user:<tenant>:<sub>`, … */
export function limitKey(action: string, p: Principal): string {
  return `${action}:${p.kind}:${p.tenant}:${p.id}`;
}

async function enforce(limiter: Env[LimiterName], key: string, action: string): Promise<void> {
  const { success } = await limiter.limit({ key });
  if (!success) throw new GatewayError("rate_limited", `too many ${action} requests`, undefined, RETRY_AFTER_SECONDS);
}

export const rateLimit = (binding: LimiterName, action: string) =>
  createMiddleware<AppEnv>(async (c, next) => {
    await enforce(c.env[binding], limitKey(action, c.var.principal), action);
    await next();
  });

/**
 * Connect attempts per client IP, before any token work. Cloudflare always sets CF-Connecting-IP;
 * only local test harnesses lack it, and there every client is the same loopback address anyway.
 */
export const connectIpLimit = createMiddleware<AppEnv>(async (c, next) => {
  const ip = c.req.header("cf-connecting-ip");
  if (ip !== undefined) await enforce(c.env.CONNECT_IP_LIMITER, `connect-ip:${ip}`, "connect");
  await next();
});
