import { createMiddleware } from "hono/factory";
import type { Action, AppEnv } from "../env.ts";

export const action = (name: Action) =>
  createMiddleware<AppEnv>(async (c, next) => {
    c.set("action", name);
    await next();
  });
