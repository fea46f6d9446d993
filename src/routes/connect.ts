// WebSocket upgrade: the Worker reads the request once, verifies and limits; the room object
// accepts the socket.
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { looksLikeApiKey } from "../auth/api-key-format.ts";
import { subprotocolValue, upgradeCarriers } from "../auth/credentials.ts";
import { hasScope } from "../auth/principal.ts";
import type { AppEnv } from "../env.ts";
import { errorFromResponse, GatewayError } from "../errors.ts";
import { connectQuerySchema } from "../protocol.ts";
import { connectToRoom, memberOf, placeSocket } from "../room/client.ts";
import { SINCE_SUBPROTOCOL_PREFIX, SUBPROTOCOL } from "../wire.ts";
import { filterOfQuery } from "./validate.ts";

/**
 * `?since=` (or `since.<seq>` in the subprotocol list, the browser's carrier), `?presence=` and
 * `?batch=`: fixed-size values. The filter waits for `forwardUpgrade`, after the token and the limiters.
 */
export const readUpgrade = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket")
    throw new GatewayError("upgrade_required", "this route needs a WebSocket upgrade");
  const query = c.req.query();
  const { token, offered } = upgradeCarriers(c.req.raw.headers, query);
  // An API key where a token belongs, or as the only credential: say so, not "token is malformed".
  if (token === undefined ? c.req.header("x-api-key") !== undefined : looksLikeApiKey(token))
    throw new GatewayError(
      "invalid_token",
      "API keys cannot open sockets: subscribe with a user JWT (scope subscribe); API keys publish and read over HTTP",
    );
  const parsed = connectQuerySchema.safeParse({
    since: query.since ?? subprotocolValue(offered, SINCE_SUBPROTOCOL_PREFIX),
    presence: query.presence,
    batch: query.batch,
  });
  if (!parsed.success)
    throw new GatewayError("invalid_query", "since must be a sequence number; presence and batch 1 or 0");
  c.set("upgrade", { token, subprotocol: offered.includes(SUBPROTOCOL), ...parsed.data });
  await next();
});

/** Hands a verified, limited upgrade to the object that will hold the socket. */
export async function forwardUpgrade(c: Context<AppEnv>): Promise<Response> {
  const p = c.get("principal");
  const { presence, batch, since, subprotocol } = c.get("upgrade");
  if (p.kind !== "user") throw new GatewayError("forbidden", "sockets are for user tokens");
  // Presence frames carry every member's user and connection ids, like GET …/presence.
  if (presence && !hasScope(p, "presence"))
    throw new GatewayError("forbidden", 'presence frames need scope "presence"');
  const member = memberOf(p, c.get("room"), { presence, batch, filter: filterOfQuery(c.req.query()) });
  // A sharded room: one user's sockets all land on one shard.
  const shard = placeSocket(p.tenant, p.id, c.get("config").roomShards, c.get("config").shardPlacementKey);
  const res = await connectToRoom(c.env, { member, subprotocol, since, shard, terms: c.get("tenant").terms });
  // The room's refusals (caps, revocation) are thrown like the Worker's own, so they are logged with their code.
  if (res.status !== 101) throw await errorFromResponse(res);
  return res;
}
