// CORS for the HTTP API, driven by ALLOWED_ORIGINS: a listed origin gets the Access-Control-Allow-*
// headers on preflights and responses (errors included: a browser app must be able to read a 401
// or a 429's Retry-After); any other origin gets none, so its preflight fails and the browser
// refuses to expose the response. An unlisted origin's preflight is still answered (204, nothing
// allowed), so the browser's console says CORS refused it rather than that the route is missing.
import { cors } from "hono/cors";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";
import { originAllowed } from "./origin.ts";

// X-API-Key is left out on purpose: API keys belong to backends, and a key shipped to a browser is
// a leaked key. Browser apps authenticate with a user JWT in Authorization.
const CORS_ALLOW_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key"] as const;
const CORS_ALLOW_METHODS = ["GET", "HEAD", "POST"] as const;
const PREFLIGHT_MAX_AGE_SECONDS = 600;

// Only reached for a listed origin, so it echoes the origin (with `Vary: Origin`), also for `*`.
const allowListed = cors({
  origin: (origin) => origin,
  allowMethods: [...CORS_ALLOW_METHODS],
  allowHeaders: [...CORS_ALLOW_HEADERS],
  exposeHeaders: ["Retry-After"],
  maxAge: PREFLIGHT_MAX_AGE_SECONDS,
});

export const apiCors = createMiddleware<AppEnv>(async (c, next) => {
  const origin = c.req.header("origin");
  // WebSocket upgrades are not subject to CORS (the Origin check guards them), and a 101's headers
  // are immutable: any header written here would break the upgrade.
  const upgrade = c.req.header("upgrade")?.toLowerCase() === "websocket";
  if (origin === undefined || upgrade) return next();
  if (originAllowed(origin, c.get("config").allowedOrigins)) return allowListed(c, next);
  const preflight = c.req.method === "OPTIONS" && c.req.header("access-control-request-method") !== undefined;
  return preflight ? c.body(null, 204) : next();
});
