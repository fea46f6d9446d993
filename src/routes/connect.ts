// WebSocket upgrade: the Worker verifies and limits, the room object accepts the socket.
import { createMiddleware } from "hono/factory";
import { offeredSubprotocols } from "../auth/credentials.ts";
import { hasScope } from "../auth/principal.ts";
import type { AppEnv } from "../env.ts";
import { GatewayError } from "../errors.ts";
import {
  type ConnectIdentity,
  connectQuerySchema,
  encodeIdentity,
  IDENTITY_HEADER,
  SINCE_SUBPROTOCOL_PREFIX,
  SUBPROTOCOL,
  type UserScope,
} from "../protocol.ts";
import { roomStub } from "../room/stub.ts";

export const requireUpgrade = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket")
    throw new GatewayError("upgrade_required", "this route needs a WebSocket upgrade");
  await next();
});

/** `?since=` and `?presence=`, with `since.<seq>` in the subprotocol list as the browser's carrier. */
function connectOptions(query: Record<string, string>, subprotocols: string[]) {
  const since = subprotocols
    .find((p) => p.startsWith(SINCE_SUBPROTOCOL_PREFIX))
    ?.slice(SINCE_SUBPROTOCOL_PREFIX.length);
  const parsed = connectQuerySchema.safeParse({ since: query.since ?? since, presence: query.presence });
  if (!parsed.success) throw new GatewayError("invalid_query", "since must be a sequence number; presence 1 or 0");
  return { since: parsed.data.since, presence: parsed.data.presence === "1" || parsed.data.presence === "true" };
}

export const forwardUpgrade = createMiddleware<AppEnv>(async (c) => {
  const p = c.var.principal;
  const subprotocols = offeredSubprotocols(c.req.raw.headers);
  const options = connectOptions(c.req.query(), subprotocols);
  // Presence frames carry every member's user and connection ids, like GET …/presence.
  if (options.presence && !hasScope(p, "presence"))
    throw new GatewayError("forbidden", 'presence frames need scope "presence"');
  const identity: ConnectIdentity = {
    tenant: p.tenant,
    room: c.var.room,
    sub: p.id,
    // Only user JWTs reach this route, so every scope is a user scope.
    scopes: p.scopes as UserScope[],
    exp: p.exp ?? 0,
    subprotocol: subprotocols.includes(SUBPROTOCOL),
    ...options,
    jti: p.jti,
    iat: p.iat,
  };
  // A fresh request: nothing the client sent (headers, cookies, query) reaches the room.
  return roomStub(c.env, p.tenant, c.var.room).fetch("https://room/connect", {
    headers: { upgrade: "websocket", [IDENTITY_HEADER]: encodeIdentity(identity) },
  });
});
