// Cross-site WebSocket hijacking defence: browsers always send Origin on an upgrade, and a page on
// another site must not ride a user's credentials into a room. Servers send no Origin. The
// gateway's own origin (the console page it serves) is always allowed: a page there is ours.
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";
import { GatewayError } from "../errors.ts";

/** Whether `origin` is in an ALLOWED_ORIGINS list (`*` allows any). */
export function listedOrigin(origin: string, allowed: readonly string[]): boolean {
  return allowed.includes("*") || allowed.includes(origin);
}

/** `self` is the origin of the request URL, i.e. the gateway's own origin as the browser sees it. */
export function originAllowed(origin: string | undefined, allowed: readonly string[], self: string): boolean {
  if (origin === undefined) return true;
  return origin === self || listedOrigin(origin, allowed);
}

export const requireAllowedOrigin = createMiddleware<AppEnv>(async (c, next) => {
  if (!originAllowed(c.req.header("origin"), c.var.config.allowedOrigins, new URL(c.req.url).origin))
    throw new GatewayError("forbidden_origin", "this origin may not open sockets here");
  await next();
});
