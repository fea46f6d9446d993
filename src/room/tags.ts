// Socket tags let the runtime find a user's or a connection's sockets without scanning the room.
export const userTag = (sub: string) => `u:${sub}`;
export const connectionTag = (connectionId: string) => `c:${connectionId}`;
/** Sockets that asked for presence frames. */
export const PRESENCE_TAG = "p";
