// The client's states and the only transitions between them. `BroadcastClient` changes state
// through one function that checks this table, so an impossible transition is a bug that throws.

export type ClientState =
  /** Created with `autoConnect: false` and not started yet. */
  | "idle"
  /** Getting a token and opening a socket; ends with `welcome`. */
  | "connecting"
  /** Welcomed: messages flow, publishes are sent at once. */
  | "connected"
  /** Waiting out a backoff delay before the next attempt. */
  | "reconnecting"
  /** `close()` was called. */
  | "closed"
  /** Stopped for a reason retrying cannot fix (see codes.ts); `connect()` starts again. */
  | "failed";

const NEXT: Readonly<Record<ClientState, readonly ClientState[]>> = {
  idle: ["connecting", "closed"],
  connecting: ["connected", "reconnecting", "closed", "failed"],
  connected: ["reconnecting", "closed", "failed"],
  reconnecting: ["connecting", "closed", "failed"],
  closed: ["connecting"],
  failed: ["connecting", "closed"],
};

export function canTransition(from: ClientState, to: ClientState): boolean {
  return NEXT[from].includes(to);
}

/** States in which the client holds or is getting a connection (so `connect()` does nothing). */
export function isActive(state: ClientState): boolean {
  return state === "connecting" || state === "connected" || state === "reconnecting";
}
