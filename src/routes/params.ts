// Path parameters shared by routes: each checks its segment before any other work and binds what
// later middleware reads.
import { GatewayError } from "../errors.ts";
import { roomSchema } from "../protocol.ts";
import type { PathParam } from "./route.ts";

/** `{room}`: into `c.var.room`, which scopes, rate limits and the access log read. */
export const roomParam: PathParam = {
  schema: roomSchema,
  description: "1-128 characters of [A-Za-z0-9_.:-]; the alias routes use room `default`",
  invalid: () => new GatewayError("invalid_room", "room must be 1-128 characters of A-Z a-z 0-9 _ . : -"),
  bind: (c, room) => c.set("room", room),
};
