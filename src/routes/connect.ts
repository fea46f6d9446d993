// WebSocket upgrade: the Worker reads the request once, verifies and limits; the room object
// accepts the socket.
import { createMiddleware } from "hono/factory";
import { subprotocolValue, upgradeCarriers } from "../auth/credentials.ts";
import { hasScope } from "../auth/principal.ts";
import type { AppEnv } from "../env.ts";
import { errorFromResponse, GatewayError } from "../errors.ts";
import { connectQuerySchema } from "../protocol.ts";
import { connectToRoom, memberOf, placeSocket } from "../room/client.ts";
import { SINCE_SUBPROTOCOL_PREFIX, SUBPROTOCOL } from "../wire.ts";
import { filterOfQuery } from "./validate.ts";

/**
 * `?since=` (or `since.<seq>` in the subprotocol list, the browser's carrier), `?presence=`,
 * `?batch=`, and the filter (`?events=`, `?tags=`).
 */
export const readUpgrade = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket")
    throw new GatewayError("upgrade_required", "this route needs a WebSocket upgrade");
  const query = c.req.query();
  const { token, offered } = upgradeCarriers(c.req.raw.headers, query);
  const parsed = connectQuerySchema.safeParse({
    since: query.since ?? subprotocolValue(offered, SINCE_SUBPROTOCOL_PREFIX),
    presence: query.presence,
    batch: query.batch,
  });
  if (!parsed.success)
    throw new GatewayError("invalid_query", "since must be a sequence number; presence and batch 1 or 0");
  const filter = filterOfQuery(query);
  c.set("upgrade", { token, subprotocol: offered.includes(SUBPROTOCOL), ...parsed.data, filter });
  await next();
});

export const forwardUpgrade = createMiddleware<AppEnv>(async (c) => {
  const p = c.get("principal");
  const { presence, batch, filter, since, subprotocol } = c.get("upgrade");
  if (p.kind !== "user") throw new GatewayError("forbidden", "sockets are for user tokens");
  // Presence frames carry every member's user and connection ids, like GET …/presence.
  if (presence && !hasScope(p, "presence"))
    throw new GatewayError("forbidden", 'presence frames need scope "presence"');
  const member = memberOf(p, c.get("room"), { presence, batch, filter });
  // A sharded room: one user's sockets all land on one shard.
  const shard = placeSocket(p.tenant, p.id, c.get("config").roomShards);
  const res = await connectToRoom(c.env, { member, subprotocol, since, shard });
  // The room's refusals (caps, revocation) are thrown like the Worker's own, so they are logged with their code.
  if (res.status !== 101) throw await errorFromResponse(res);
  return res;
});
