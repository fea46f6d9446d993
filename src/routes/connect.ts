// WebSocket upgrade: the Worker verifies and limits, the room object accepts the socket.
import { createMiddleware } from "hono/factory";
import { offeredSubprotocols } from "../auth/credentials.ts";
import type { AppEnv } from "../env.ts";
import { GatewayError } from "../errors.ts";
import { type ConnectIdentity, IDENTITY_HEADER, SUBPROTOCOL, type UserScope } from "../protocol.ts";
import { roomStub } from "../room/stub.ts";

export const requireUpgrade = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket")
    throw new GatewayError("upgrade_required", "this route needs a WebSocket upgrade");
  await next();
});

export const forwardUpgrade = createMiddleware<AppEnv>(async (c) => {
  const p = c.var.principal;
  const identity: ConnectIdentity = {
    tenant: p.tenant,
    room: c.var.room,
    sub: p.id,
    // Only user JWTs reach this route, so every scope is a user scope.
    scopes: p.scopes as UserScope[],
    exp: p.exp ?? 0,
    subprotocol: offeredSubprotocols(c.req.raw.headers).includes(SUBPROTOCOL),
  };
  // A fresh request: nothing the client sent (headers, cookies, query) reaches the room.
  return roomStub(c.env, p.tenant, c.var.room).fetch("https://room/connect", {
    headers: { upgrade: "websocket", [IDENTITY_HEADER]: JSON.stringify(identity) },
  });
});
