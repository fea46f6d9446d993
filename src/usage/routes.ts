// The usage routes, mounted by src/app.ts: the tenant's series and its rooms list, for its admin
// key. Refusals the Worker answers are counted here too (see worker-refusals.ts).
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { requireCredential } from "../auth/middleware.ts";
import type { Principal } from "../auth/principal.ts";
import type { AppEnv } from "../env.ts";
import { GatewayError } from "../errors.ts";
import { rateLimit } from "../limits/rate-limit.ts";
import { roomsQuerySchema, usageQuerySchema } from "../protocol.ts";
import { type Action, action } from "../routes/action.ts";
import { validQuery } from "../routes/validate.ts";
import { roomsAnswer, usageAnswer } from "./answers.ts";
import { FLUSH_AFTER_MS, sendWorkerReport, workerRefusals } from "./worker-refusals.ts";

export const usageRoutes = new Hono<AppEnv>();

/** An admin API key of the tenant, limited like every other admin call. */
const admin = (name: Action) =>
  [action(name), requireCredential({ api_key: ["admin"] }), rateLimit("API_LIMITER")] as const;

usageRoutes.get("/v1/admin/usage", ...admin("usage"), validQuery(usageQuerySchema), async (c) => {
  const { tenant } = c.get("principal");
  return c.json(await usageAnswer(c.env, c.get("config"), tenant, c.req.valid("query"), Date.now()));
});

usageRoutes.get("/v1/admin/rooms", ...admin("rooms"), validQuery(roomsQuerySchema), async (c) => {
  const { tenant } = c.get("principal");
  return c.json(await roomsAnswer(c.env, c.get("config"), tenant, c.req.valid("query")));
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Counts every refusal (a 4xx GatewayError) the Worker answers to a verified credential, for its
 * tenant. The first one of a quiet spell schedules the isolate's flush.
 */
export const countRefusals = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  const error = c.error;
  const principal: Principal | undefined = c.get("principal");
  if (!(error instanceof GatewayError) || principal === undefined || error.status >= 500) return;
  if (!workerRefusals.add(principal.tenant, error.code, Date.now())) return;
  const send = sendWorkerReport(c.env, c.get("config"));
  const wait = workerRefusals.crowded ? 0 : FLUSH_AFTER_MS;
  c.executionCtx.waitUntil(sleep(wait).then(() => workerRefusals.flush(send, Date.now())));
});
