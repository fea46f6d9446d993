// What a socket carries through hibernation: its identity, in the attachment, and its tags.
import type { UserScope } from "../protocol.ts";
import { connectionTag, PRESENCE_TAG, userTag } from "./tags.ts";

export type ConnectionState = {
  connectionId: string;
  room: string;
  tenant: string;
  sub: string;
  scopes: UserScope[];
  /** Token expiry, epoch seconds: the socket is closed with 4001 when it passes. */
  exp: number;
  presence: boolean;
  jti?: string | undefined;
  iat?: number | undefined;
  /** Epoch ms, for the disconnect log line's duration. */
  connectedAt: number;
};

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
