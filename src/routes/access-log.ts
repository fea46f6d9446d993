// One structured log line per request that matters: connects, publishes, reads, admin calls and
// every rejection. It only reads the response, so it is safe on 101 upgrades too.
import { createMiddleware } from "hono/factory";
import type { Principal } from "../auth/principal.ts";
import type { AppEnv } from "../env.ts";
import { GatewayError } from "../errors.ts";
import { log, redactAndCap } from "../log.ts";

/** A hostile URL may be kilobytes long; the log keeps enough of it to tell what was asked. */
const MAX_LOGGED_PATH = 256;

const ACTIONS: Record<string, string> = {
  "GET /v1/rooms/:room/ws": "connect",
  "GET /ws": "connect",
  "POST /v1/rooms/:room/messages": "publish",
  "POST /broadcast": "publish",
  "GET /v1/rooms/:room/messages": "history",
  "GET /v1/rooms/:room/presence": "presence",
  "POST /v1/rooms/:room/disconnect": "kick",
  "POST /v1/admin/revocations": "revoke",
};

export const accessLog = createMiddleware<AppEnv>(async (c, next) => {
  const started = Date.now();
  await next();
  const action = ACTIONS[`${c.req.method} ${c.req.routePath}`];
  const failed = c.res.status >= 400;
  if (action === undefined && !failed) return;
  const principal: Principal | undefined = c.get("principal");
  const room: string | undefined = c.get("room");
  log(failed ? "rejected" : (action ?? "request"), {
    action,
    method: c.req.method,
    // The path only: query strings can carry tokens.
    path: redactAndCap(new URL(c.req.url).pathname, MAX_LOGGED_PATH),
    status: c.res.status,
    code: c.error instanceof GatewayError ? c.error.code : undefined,
    tenant: principal?.tenant,
    room,
    sender: principal === undefined ? undefined : `${principal.kind}:${principal.id}`,
    bytes: Number(c.req.header("content-length") ?? 0),
    durationMs: Date.now() - started,
  });
});
