// Operator calls made with an admin API key, within the key's own tenant.
import { GatewayError } from "../errors.ts";
import { DisconnectBody, DisconnectResult, RevocationBody, RevocationResult, RoomInfo } from "../openapi/components.ts";
import { disconnectIn, roomStub } from "../room/client.ts";
import { MAX_ACTIVE_REVOCATIONS } from "../tenant/revocation-table.ts";
import { toRevocation } from "../tenant/revocations.ts";
import { tenantStub } from "../tenant/tenant.ts";
import { credential } from "./access.ts";
import { roomParam } from "./params.ts";
import { limitBody } from "./publish.ts";
import { defineRoute } from "./route.ts";

const admin = credential({ api_key: ["admin"] }, "API_LIMITER");

export const ADMIN_ROUTES = [
  defineRoute({
    method: "post",
    path: "/v1/rooms/{room}/disconnect",
    operationId: "disconnect",
    summary: "Close users' or connections' sockets with 4003",
    tag: "admin",
    action: "disconnect",
    params: { room: roomParam },
    access: admin,
    body: { component: DisconnectBody, example: { users: ["mallory"] }, limit: limitBody },
    success: { status: "200", description: "Sockets closed", body: DisconnectResult, example: { disconnected: 1 } },
    errors: [],
    handle: async (c, { body }) => c.json(await disconnectIn(c.env, c.get("principal").tenant, c.get("room"), body)),
  }),
  defineRoute({
    method: "post",
    path: "/v1/admin/revocations",
    operationId: "revoke",
    summary: "Revoke a token (by jti) or a user's tokens (by sub), in the key's own tenant",
    tag: "admin",
    action: "revoke",
    params: {},
    access: admin,
    body: { component: RevocationBody, example: { sub: "mallory" }, limit: limitBody },
    success: {
      status: "201",
      description: "Revoked; live sockets closed with 4002",
      body: RevocationResult,
      example: {
        revocation: { kind: "sub", sub: "mallory", before: 1_796_000_000, keepUntil: 1_796_086_400 },
        closed: 1,
      },
    },
    errors: ["too_many_revocations"],
    handle: async (c, { body }) => {
      const now = Math.floor(Date.now() / 1000);
      const revocation = toRevocation(body, now, c.get("config").maxTokenLifetimeSeconds);
      const closed = await tenantStub(c.env, c.get("principal").tenant).revoke(revocation);
      if (closed === null)
        throw new GatewayError(
          "too_many_revocations",
          `a tenant holds at most ${MAX_ACTIVE_REVOCATIONS} active revocations; each lasts as long as the tokens it can match`,
        );
      return c.json({ revocation, closed }, 201);
    },
  }),
  defineRoute({
    method: "get",
    path: "/v1/admin/rooms/{room}",
    operationId: "inspectRoom",
    summary: "A room's seq and where its sockets are (per shard when ROOM_SHARDS > 1)",
    tag: "admin",
    action: "inspect",
    params: { room: roomParam },
    access: admin,
    success: {
      status: "200",
      description: "The room as its objects see it",
      body: RoomInfo,
      example: {
        room: "lobby",
        seq: 42,
        connections: 3,
        shards: [
          { shard: 0, connections: 1 },
          { shard: 2, connections: 2 },
        ],
      },
    },
    errors: [],
    handle: async (c) =>
      c.json({ room: c.get("room"), ...(await roomStub(c.env, c.get("principal").tenant, c.get("room")).info()) }),
  }),
];
