// The middleware that counts the refusals the Worker answers itself (see worker-refusals.ts).
import { createMiddleware } from "hono/factory";
import type { Principal } from "../auth/principal.ts";
import type { AppEnv } from "../env.ts";
import { GatewayError } from "../errors.ts";
import { FLUSH_AFTER_MS, sendWorkerReport, workerRefusals } from "./worker-refusals.ts";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Counts every refusal (a 4xx GatewayError) the Worker answers to a verified credential, for its
 * tenant (unless USAGE_METER is off). The first one of a quiet spell schedules the isolate's flush.
 */
export const countRefusals = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  const error = c.error;
  const principal: Principal | undefined = c.get("principal");
  if (!(error instanceof GatewayError) || principal === undefined || error.status >= 500) return;
  const config = c.get("config");
  if (!config.usageMeter || !workerRefusals.add(principal.tenant, error.code, Date.now())) return;
  const send = sendWorkerReport(c.env, config);
  const wait = workerRefusals.crowded ? 0 : FLUSH_AFTER_MS;
  c.executionCtx.waitUntil(sleep(wait).then(() => workerRefusals.flush(send, Date.now())));
});
