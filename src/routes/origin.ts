// Cross-site WebSocket hijacking defence: browsers always send Origin on an upgrade, and a page on
// another site must not ride a user's credentials into a room. Servers send no Origin.
import { createMiddleware } from "hono/factory";
import type { TenantPolicy } from "../control/terms.ts";
import type { AppEnv } from "../env.ts";
import { GatewayError } from "../errors.ts";

export function originAllowed(origin: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true;
  return allowed.includes("*") || allowed.includes(origin);
}

/**
 * After the credential: a tenant may list its own origins (the operator API), which then replace
 * ALLOWED_ORIGINS for its sockets.
 */
export const requireAllowedOrigin = createMiddleware<AppEnv>(async (c, next) => {
  const origin = c.req.header("origin");
  // A page of the gateway's own origin (its console) is ours: the request URL's origin is the one
  // the browser addressed, so it needs no ALLOWED_ORIGINS entry.
  const sameOrigin = origin === new URL(c.req.url).origin;
  const tenant: TenantPolicy | undefined = c.get("tenant");
  const own = tenant?.allowedOrigins ?? null;
  const allowed = own ?? c.get("config").allowedOrigins;
  if (!sameOrigin && !originAllowed(origin, allowed))
    throw new GatewayError(
      "forbidden_origin",
      `origin ${JSON.stringify(origin?.slice(0, 200))} may not open sockets here: ` +
        (own === null ? "add it to ALLOWED_ORIGINS" : "add it to the tenant's allowedOrigins"),
    );
  await next();
});
