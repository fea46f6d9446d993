// The room as the Worker (and the room's own objects) reach it: stubs by name, the member a
// verified token makes, where the room's layout puts a user's sockets, and the one way a WebSocket
// upgrade is handed to the object that will hold the socket. What the stubs answer is in rpc.ts.
import type { UserPrincipal } from "../auth/principal.ts";
import type { Env } from "../env.ts";
import { type DisconnectBody, encodeRoomConnect, IDENTITY_HEADER, type Member, type RoomConnect } from "../protocol.ts";
import type { MemberInfo } from "../wire.ts";
import { type Disconnected, type PresenceAnswer, type RoomStub, RPC_VERSION } from "./rpc.ts";
import { hostObjectName, roomObjectName, type ShardRef, shardOf } from "./sharding/placement.ts";
import { tapUrl } from "./tap.ts";

export { MAX_TAPS_PER_ROOM } from "./tap.ts";

/** A room object by the name it was created with. */
export function roomStubByName(env: Env, name: string): RoomStub {
  return env.ROOMS.get(env.ROOMS.idFromName(name));
}

export function roomStub(env: Env, tenant: string, room: string): RoomStub {
  return roomStubByName(env, roomObjectName(tenant, room));
}

/** What the client asked of its socket at connect; a refresh keeps it. */
export type SocketOptions = Pick<Member, "presence" | "batch" | "filter">;

/** The one place a token becomes a room member: at connect, and again at every refresh. */
export function memberOf(p: UserPrincipal, room: string, { presence, batch, filter }: SocketOptions): Member {
  return {
    kind: "user",
    id: p.id,
    tenant: p.tenant,
    room,
    scopes: [...p.scopes],
    exp: p.exp,
    jti: p.jti,
    iat: p.iat,
    // Presence frames carry every member's ids: they need the scope for as long as they flow.
    presence: presence && p.scopes.includes("presence"),
    batch,
    filter,
    info: p.info,
    enforced: p.filter,
  };
}

/**
 * The shard a user's sockets live on under a layout of `count` objects (placed with the deployment's
 * `key`); undefined is the room's own object.
 */
export function placeSocket(
  tenant: string,
  user: string,
  count: number,
  key: string | undefined,
): ShardRef | undefined {
  return count === 1 ? undefined : { index: shardOf(tenant, user, count, key), count };
}

/**
 * Hands a WebSocket upgrade to the object that holds the member's sockets (the room's, or
 * `connect.shard`'s). RPC cannot carry an upgrade, so it goes as a fresh request whose only
 * identity is the header set here: nothing the client sent (headers, cookies, query) reaches it.
 */
export function connectToRoom(env: Env, connect: RoomConnect): Promise<Response> {
  const { tenant, room } = connect.member;
  return roomStubByName(env, hostObjectName(tenant, room, connect.shard)).fetch("https://room/connect", {
    headers: { upgrade: "websocket", [IDENTITY_HEADER]: encodeRoomConnect(connect) },
  });
}

/**
 * Opens a live tap on the room's own object, where every message is published (the coordinator
 * when sharded): a 101 with the tap socket, or the room's refusal as a JSON error.
 */
export function openTap(env: Env, tenant: string, room: string): Promise<Response> {
  return roomStub(env, tenant, room).fetch(tapUrl(room), { headers: { upgrade: "websocket" } });
}

/** Who is in a room, as the HTTP answer says it: each user's `info` parsed from the JSON text the room keeps. */
export async function presenceIn(env: Env, tenant: string, room: string): Promise<PresenceAnswer> {
  const { users, ...rest } = await roomStub(env, tenant, room).presence();
  return {
    ...rest,
    users: users.map(({ id, connections, info }) =>
      info === undefined ? { id, connections } : { id, connections, info: JSON.parse(info) as MemberInfo },
    ),
  };
}

/** The operator's disconnect: closes a room's matching sockets and answers as the HTTP body says it. */
export async function disconnectIn(
  env: Env,
  tenant: string,
  room: string,
  body: DisconnectBody,
): Promise<Disconnected> {
  const answer = await roomStub(env, tenant, room).disconnect(body, RPC_VERSION);
  // A room object still running the version before (during a deploy) answers the count alone.
  return typeof answer === "number" ? { disconnected: answer } : answer;
}
