// Who a socket belongs to: the member the Worker built from a verified token, plus what the room
// adds at accept. It lives in the socket's attachment, so it survives hibernation.
import type { UserPrincipal } from "../auth/principal.ts";
import type { Member } from "../protocol.ts";
import type { ShardRef } from "./shards.ts";
import { connectionTag, PRESENCE_TAG, userTag } from "./tags.ts";

export type ConnectionState = Member & {
  connectionId: string;
  /** Epoch ms, for the disconnect log line's duration. */
  connectedAt: number;
  /** The shard holding the socket in a sharded room; absent when the room object holds it. */
  shard?: ShardRef | undefined;
};

/** What the client asked of its socket at connect; a refresh keeps it. */
export type SocketOptions = Pick<Member, "presence" | "batch" | "filter">;

/** The one place a token becomes a room member: at connect, and again at every refresh. */
export function memberOf(p: UserPrincipal, room: string, { presence, batch, filter }: SocketOptions): Member {
  return {
    tenant: p.tenant,
    room,
    sub: p.id,
    scopes: [...p.scopes],
    exp: p.exp,
    jti: p.jti,
    iat: p.iat,
    // Presence frames carry every member's ids: they need the scope for as long as they flow.
    presence: presence && p.scopes.includes("presence"),
    batch,
    filter,
  };
}

export function tagsFor(c: ConnectionState): string[] {
  const tags = [userTag(c.sub), connectionTag(c.connectionId)];
  if (c.presence) tags.push(PRESENCE_TAG);
  return tags;
}

/** The attachment is only ever written by `attach`, so its shape is known. */
export function stateOf(ws: WebSocket): ConnectionState {
  return ws.deserializeAttachment() as ConnectionState;
}

export function attach(ws: WebSocket, state: ConnectionState): void {
  ws.serializeAttachment(state);
}
