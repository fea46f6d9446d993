import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";
import { GatewayError } from "../errors.ts";
import { DEFAULT_ROOM, ROOM_PATTERN } from "../wire.ts";

/** Validates `:room` into `c.var.room`; the seed routes pass a fixed room instead. */
export const roomFromPath = (fixed?: string) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const room = fixed ?? c.req.param("room") ?? DEFAULT_ROOM;
    if (!ROOM_PATTERN.test(room))
      throw new GatewayError("invalid_room", "room must be 1-128 characters of A-Z a-z 0-9 _ . : -");
    c.set("room", room);
    await next();
  });
