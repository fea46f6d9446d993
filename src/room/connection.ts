// What a socket carries through hibernation: its identity, in the attachment, and its tags.
import type { UserScope } from "../protocol.ts";
import { connectionTag, userTag } from "./tags.ts";

export type ConnectionState = {
  connectionId: string;
  room: string;
  sub: string;
  scopes: UserScope[];
  exp: number;
};

export function tagsFor(c: ConnectionState): string[] {
  return [userTag(c.sub), connectionTag(c.connectionId)];
}

export function stateOf(ws: WebSocket): ConnectionState {
  return ws.deserializeAttachment() as ConnectionState;
}
