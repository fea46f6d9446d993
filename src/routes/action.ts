import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";

/** What a route does: one name for its rate-limit key, its error messages and its access log line. */
export type Action = "connect" | "publish" | "history" | "presence" | "disconnect" | "revoke" | "inspect" | "operator";

export const action = (name: Action) =>
  createMiddleware<AppEnv>(async (c, next) => {
    c.set("action", name);
    await next();
  });
