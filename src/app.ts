// The Hono app: middleware order, routes, and the one place errors become responses.
import { Hono } from "hono";
import { rejectRevoked, requireCredential, requireUser, type ScopeRule } from "./auth/middleware.ts";
import { hasScope, type Principal } from "./auth/principal.ts";
import { configFor } from "./config.ts";
import { takeTenantPublishes } from "./control/publish-rate.ts";
import { OPERATOR_PREFIX, operatorRoutes } from "./control/routes.ts";
import type { AppEnv } from "./env.ts";
import { errorResponse, GatewayError } from "./errors.ts";
import { authFailIpLimit, connectIpBrake, type LimiterName, rateLimit, takeMore } from "./limits/rate-limit.ts";
import { log, loggedPath } from "./log.ts";
import { openApiDocument } from "./openapi/document.ts";
import {
  batchBodySchema,
  disconnectBodySchema,
  historyQuerySchema,
  publishBodySchema,
  revocationBodySchema,
} from "./protocol.ts";
import type { Viewer } from "./room/history.ts";
import { roomStub } from "./room/stub.ts";
import { accessLog } from "./routes/access-log.ts";
import { type Action, action } from "./routes/action.ts";
import { forwardUpgrade, readUpgrade } from "./routes/connect.ts";
import { apiCors } from "./routes/cors.ts";
import { requireAllowedOrigin } from "./routes/origin.ts";
import {
  batchErrorDetails,
  idempotencyKeyOf,
  limitBatchBody,
  limitBody,
  payloadLimitOf,
  publishBatch,
  publishOne,
  replayHeaders,
} from "./routes/publish.ts";
import { roomFromPath } from "./routes/room-param.ts";
import { filterOfQuery, validJson, validQuery } from "./routes/validate.ts";
import { toRevocation } from "./tenant/revocations.ts";
import { tenantStub } from "./tenant/tenant.ts";
import { DEFAULT_ROOM } from "./wire.ts";

export const app = new Hono<AppEnv>();

app.use("*", async (c, next) => {
  c.set("config", configFor(c.env));
  await next();
});
app.use("*", accessLog);
app.use("*", apiCors);
app.use("*", authFailIpLimit);

app.get("/health", (c) => c.json({ ok: true }));
app.get("/v1/openapi.json", (c) => c.json(openApiDocument(new URL(c.req.url).origin)));

// No middleware on these routes may touch response headers: a 101's headers are immutable.
const connect = [
  action("connect"),
  readUpgrade,
  requireUser("subscribe", connectIpBrake),
  // After the credential: the tenant's own origin list, if it has one, replaces ALLOWED_ORIGINS.
  requireAllowedOrigin,
  rateLimit("CONNECT_LIMITER"),
  forwardUpgrade,
] as const;
app.get("/v1/rooms/:room/ws", roomFromPath(), ...connect);
app.get("/ws", roomFromPath(DEFAULT_ROOM), ...connect);

/**
 * The route's action, a credential admitted by `rule`, its rate limit, then (for JWTs) the
 * tenant's revocation check: no request reaches a Durable Object before its limiter.
 */
const credential = (name: Action, rule: ScopeRule, limiter: LimiterName) =>
  [action(name), requireCredential(rule), rateLimit(limiter), rejectRevoked] as const;

/** A user sees what they could have received; an admin key the whole room; other keys broadcasts only. */
function viewerOf(p: Principal): Viewer {
  if (p.kind === "user") return { kind: "user", sub: p.id };
  return hasScope(p, "admin") ? { kind: "admin" } : { kind: "broadcasts" };
}

const publisher = () => credential("publish", { api_key: ["publish"], user: ["publish"] }, "PUBLISH_LIMITER");

for (const [path, room] of [
  ["/v1/rooms/:room/messages", undefined],
  ["/broadcast", DEFAULT_ROOM],
] as const) {
  app.post(path, roomFromPath(room), ...publisher(), limitBody, validJson(publishBodySchema), async (c) => {
    const key = idempotencyKeyOf(c.req.raw.headers);
    const principal = c.get("principal");
    await takeTenantPublishes(c, 1);
    const { result, replayed } = await publishOne(
      c.env,
      payloadLimitOf(c),
      principal,
      c.get("room"),
      c.req.valid("json"),
      key,
    );
    return c.json(result, 202, replayHeaders(replayed));
  });
}

app.post(
  "/v1/rooms/:room/messages/batch",
  roomFromPath(),
  ...publisher(),
  limitBatchBody,
  validJson(batchBodySchema, batchErrorDetails),
  async (c) => {
    const key = idempotencyKeyOf(c.req.raw.headers);
    const { messages } = c.req.valid("json");
    // The publisher's limiter took one unit for the request; the batch counts as one per message.
    await takeMore(c, "PUBLISH_LIMITER", messages.length - 1);
    await takeTenantPublishes(c, messages.length);
    const principal = c.get("principal");
    const { results, replayed } = await publishBatch(c.env, payloadLimitOf(c), principal, c.get("room"), messages, key);
    return c.json({ messages: results }, 202, replayHeaders(replayed));
  },
);

app.get(
  "/v1/rooms/:room/messages",
  roomFromPath(),
  ...credential("history", { api_key: ["presence", "admin"], user: ["subscribe"] }, "API_LIMITER"),
  validQuery(historyQuerySchema),
  async (c) => {
    const p = c.get("principal");
    const filter = filterOfQuery(c.req.query());
    const page = await roomStub(c.env, p.tenant, c.get("room")).history(c.req.valid("query"), viewerOf(p), filter);
    return c.body(page, 200, { "content-type": "application/json" });
  },
);

app.get(
  "/v1/rooms/:room/presence",
  roomFromPath(),
  ...credential("presence", { api_key: ["presence"], user: ["presence"] }, "API_LIMITER"),
  async (c) => c.json(await roomStub(c.env, c.get("principal").tenant, c.get("room")).presence()),
);

app.post(
  "/v1/rooms/:room/disconnect",
  roomFromPath(),
  ...credential("disconnect", { api_key: ["admin"] }, "API_LIMITER"),
  limitBody,
  validJson(disconnectBodySchema),
  async (c) => {
    const disconnected = await roomStub(c.env, c.get("principal").tenant, c.get("room")).disconnect(
      c.req.valid("json"),
    );
    return c.json({ disconnected });
  },
);

app.post(
  "/v1/admin/revocations",
  ...credential("revoke", { api_key: ["admin"] }, "API_LIMITER"),
  limitBody,
  validJson(revocationBodySchema),
  async (c) => {
    const { tenant } = c.get("principal");
    const revocation = toRevocation(
      c.req.valid("json"),
      Math.floor(Date.now() / 1000),
      c.get("config").maxTokenLifetimeSeconds,
    );
    const closed = await tenantStub(c.env, tenant).revoke(revocation);
    return c.json({ revocation, closed }, 201);
  },
);

app.get(
  "/v1/admin/rooms/:room",
  roomFromPath(),
  ...credential("inspect", { api_key: ["admin"] }, "API_LIMITER"),
  async (c) =>
    c.json({ room: c.get("room"), ...(await roomStub(c.env, c.get("principal").tenant, c.get("room")).info()) }),
);

app.route(OPERATOR_PREFIX, operatorRoutes);

app.notFound(() => errorResponse(new GatewayError("not_found", "no such route")));

app.onError((err, c) => {
  if (err instanceof GatewayError) return errorResponse(err);
  log("internal_error", { method: c.req.method, path: loggedPath(c.req.url), error: String(err) });
  return errorResponse(new GatewayError("internal", "internal error"));
});
