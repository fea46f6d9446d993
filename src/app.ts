// The Hono app: middleware order, routes, and the one place errors become responses.
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { requirePublisher, requireUser } from "./auth/middleware.ts";
import { configFor } from "./config.ts";
import type { AppEnv } from "./env.ts";
import { errorResponse, GatewayError } from "./errors.ts";
import { rateLimit } from "./limits/rate-limit.ts";
import { log } from "./log.ts";
import { DEFAULT_ROOM } from "./protocol.ts";
import { forwardUpgrade, requireUpgrade } from "./routes/connect.ts";
import { limitBody, publish, validBody } from "./routes/publish.ts";
import { roomFromPath } from "./routes/room-param.ts";

export const app = new Hono<AppEnv>();

app.use("*", async (c, next) => {
  c.set("config", configFor(c.env));
  await next();
});

app.get("/health", (c) => c.json({ ok: true }));

// No middleware on these routes may touch response headers: a 101's headers are immutable.
const connect = [
  requireUpgrade,
  requireUser("subscribe"),
  rateLimit("CONNECT_LIMITER", "connect"),
  forwardUpgrade,
] as const;
app.get("/v1/rooms/:room/ws", roomFromPath(), ...connect);
app.get("/ws", roomFromPath(DEFAULT_ROOM), ...connect);

for (const [path, room] of [
  ["/v1/rooms/:room/messages", undefined],
  ["/broadcast", DEFAULT_ROOM],
] as const) {
  app.post(
    path,
    roomFromPath(room),
    requirePublisher("publish"),
    rateLimit("PUBLISH_LIMITER", "publish"),
    limitBody,
    validBody,
    async (c) => c.json(await publish(c.env, c.var.config, c.var.principal, c.var.room, c.req.valid("json")), 202),
  );
}

app.notFound(() => errorResponse(new GatewayError("not_found", "no such route")));

app.onError((err, c) => {
  if (err instanceof GatewayError) return errorResponse(err);
  // The JSON validator is the only source of a bare 400 HTTPException: the body did not parse.
  if (err instanceof HTTPException && err.status === 400)
    return errorResponse(new GatewayError("invalid_json", "request body is not valid JSON"));
  log("internal_error", { method: c.req.method, path: new URL(c.req.url).pathname, error: String(err) });
  return errorResponse(new GatewayError("internal", "internal error"));
});
