// Cross-site WebSocket hijacking defence: browsers always send Origin on an upgrade, and a page on
// another site must not ride a user's credentials into a room. Servers send no Origin.
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";
import { GatewayError } from "../errors.ts";

export function originAllowed(origin: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true;
  return allowed.includes("*") || allowed.includes(origin);
}

export const requireAllowedOrigin = createMiddleware<AppEnv>(async (c, next) => {
  const origin = c.req.header("origin");
  // A page of the gateway's own origin (its console) is ours: the request URL's origin is the one
  // the browser addressed, so it needs no ALLOWED_ORIGINS entry.
  const sameOrigin = origin === new URL(c.req.url).origin;
  if (!sameOrigin && !originAllowed(origin, c.get("config").allowedOrigins))
    throw new GatewayError(
      "forbidden_origin",
      `origin ${JSON.stringify(origin?.slice(0, 200))} may not open sockets here: add it to ALLOWED_ORIGINS`,
    );
  await next();
});
