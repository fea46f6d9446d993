// One structured log line per request that matters: every route with an action (connects,
// publishes, reads, admin calls) and every rejection. It only reads the response, so it is safe on
// 101 upgrades too.
import { createMiddleware } from "hono/factory";
import { identityLabel, type Principal } from "../auth/principal.ts";
import type { Action, AppEnv } from "../env.ts";
import { GatewayError } from "../errors.ts";
import { log, loggedPath } from "../log.ts";

export const accessLog = createMiddleware<AppEnv>(async (c, next) => {
  const started = Date.now();
  await next();
  const action: Action | undefined = c.get("action");
  const failed = c.res.status >= 400;
  if (action === undefined && !failed) return;
  const principal: Principal | undefined = c.get("principal");
  const room: string | undefined = c.get("room");
  log(failed ? "rejected" : (action ?? "request"), {
    action,
    method: c.req.method,
    path: loggedPath(c.req.url),
    status: c.res.status,
    code: c.error instanceof GatewayError ? c.error.code : undefined,
    tenant: principal?.tenant,
    room,
    sender: principal === undefined ? undefined : identityLabel(principal),
    bytes: Number(c.req.header("content-length") ?? 0),
    durationMs: Date.now() - started,
  });
});
