// The Hono app: middleware order, the route table, and the one place errors become responses.
import { Hono } from "hono";
import { configFor } from "./config.ts";
import type { AppEnv } from "./env.ts";
import { errorResponse, GatewayError } from "./errors.ts";
import { authFailIpLimit } from "./limits/rate-limit.ts";
import { log, loggedPath } from "./log.ts";
import { accessLog } from "./routes/access-log.ts";
import { apiCors } from "./routes/cors.ts";
import { closeRefusedUpgrades } from "./routes/refused-upgrade.ts";
import { registerRoutes } from "./routes/register.ts";
import { ROUTES } from "./routes/table.ts";
import { countRefusals } from "./usage/refusal-counting.ts";

export const app = new Hono<AppEnv>();

app.use("*", closeRefusedUpgrades);
app.use("*", async (c, next) => {
  c.set("config", configFor(c.env));
  await next();
});
app.use("*", accessLog);
app.use("*", countRefusals);
app.use("*", apiCors);
app.use("*", authFailIpLimit);

registerRoutes(app, ROUTES);

app.notFound(() => errorResponse(new GatewayError("not_found", "no such route")));

app.onError((err, c) => {
  if (err instanceof GatewayError) return errorResponse(err);
  log("internal_error", { method: c.req.method, path: loggedPath(c.req.url), error: String(err) });
  return errorResponse(new GatewayError("internal", "internal error"));
});
