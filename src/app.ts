// The Hono app: middleware order, routes, and the one place errors become responses.
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { requireCredential, requireUser } from "./auth/middleware.ts";
import { configFor } from "./config.ts";
import type { AppEnv } from "./env.ts";
import { errorResponse, GatewayError } from "./errors.ts";
import { connectIpLimit, rateLimit } from "./limits/rate-limit.ts";
import { log } from "./log.ts";
import { openApiDocument } from "./openapi/document.ts";
import {
  DEFAULT_ROOM,
  disconnectBodySchema,
  historyQuerySchema,
  publishBodySchema,
  revocationBodySchema,
} from "./protocol.ts";
import { roomStub } from "./room/stub.ts";
import { accessLog } from "./routes/access-log.ts";
import { forwardUpgrade, requireUpgrade } from "./routes/connect.ts";
import { apiCors } from "./routes/cors.ts";
import { requireAllowedOrigin } from "./routes/origin.ts";
import { limitBody, publish } from "./routes/publish.ts";
import { roomFromPath } from "./routes/room-param.ts";
import { validJson, validQuery } from "./routes/validate.ts";
import { toRevocation } from "./tenant/revocations.ts";
import { tenantStub } from "./tenant/tenant.ts";

export const app = new Hono<AppEnv>();

app.use("*", async (c, next) => {
  c.set("config", configFor(c.env));
  await next();
});
app.use("*", accessLog);
app.use("*", apiCors);

app.get("/health", (c) => c.json({ ok: true }));
app.get("/v1/openapi.json", (c) => c.json(openApiDocument(new URL(c.req.url).origin)));

// No middleware on these routes may touch response headers: a 101's headers are immutable.
const connect = [
  requireAllowedOrigin,
  requireUpgrade,
  connectIpLimit,
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
    requireCredential({ api_key: ["publish"], user: ["publish"] }),
    rateLimit("PUBLISH_LIMITER", "publish"),
    limitBody,
    validJson(publishBodySchema),
    async (c) => c.json(await publish(c.env, c.var.config, c.var.principal, c.var.room, c.req.valid("json")), 202),
  );
}

app.get(
  "/v1/rooms/:room/messages",
  roomFromPath(),
  requireCredential({ api_key: ["presence", "admin"], user: ["subscribe"] }),
  rateLimit("API_LIMITER", "history"),
  validQuery(historyQuerySchema),
  async (c) => {
    const p = c.var.principal;
    // A user sees only what they could have received; a publisher's key sees the whole room.
    const page = await roomStub(c.env, p.tenant, c.var.room).history(
      c.req.valid("query"),
      p.kind === "user" ? p.id : undefined,
    );
    return c.body(page, 200, { "content-type": "application/json" });
  },
);

app.get(
  "/v1/rooms/:room/presence",
  roomFromPath(),
  requireCredential({ api_key: ["presence"], user: ["presence"] }),
  rateLimit("API_LIMITER", "presence"),
  async (c) => c.json(await roomStub(c.env, c.var.principal.tenant, c.var.room).presence()),
);

app.post(
  "/v1/rooms/:room/disconnect",
  roomFromPath(),
  requireCredential({ api_key: ["admin"] }),
  rateLimit("API_LIMITER", "disconnect"),
  limitBody,
  validJson(disconnectBodySchema),
  async (c) => {
    const disconnected = await roomStub(c.env, c.var.principal.tenant, c.var.room).disconnect(c.req.valid("json"));
    return c.json({ disconnected });
  },
);

app.post(
  "/v1/admin/revocations",
  requireCredential({ api_key: ["admin"] }),
  rateLimit("API_LIMITER", "revoke"),
  limitBody,
  validJson(revocationBodySchema),
  async (c) => {
    const { tenant } = c.var.principal;
    const revocation = toRevocation(
      c.req.valid("json"),
      Math.floor(Date.now() / 1000),
      c.var.config.maxTokenLifetimeSeconds,
    );
    const closed = await tenantStub(c.env, tenant).revoke(tenant, revocation);
    return c.json({ revocation, closed }, 201);
  },
);

app.notFound(() => errorResponse(new GatewayError("not_found", "no such route")));

app.onError((err, c) => {
  if (err instanceof GatewayError) return errorResponse(err);
  // The JSON validator is the only source of a bare 400 HTTPException: the body did not parse.
  if (err instanceof HTTPException && err.status === 400)
    return errorResponse(new GatewayError("invalid_json", "request body is not valid JSON"));
  log("internal_error", { method: c.req.method, path: new URL(c.req.url).pathname, error: String(err) });
  return errorResponse(new GatewayError("internal", "internal error"));
});
