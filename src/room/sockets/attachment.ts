// Who a socket belongs to: the member the Worker built from a verified token, plus what the room
// adds at accept. It lives in the socket's attachment, so it survives hibernation.
import type { Member } from "../../protocol.ts";
import type { ShardRef } from "../sharding/placement.ts";

export type ConnectionState = Member & {
  connectionId: string;
  /** Epoch ms, for the disconnect log line's duration. */
  connectedAt: number;
  /** The shard holding the socket in a sharded room; absent when the room object holds it. */
  shard?: ShardRef | undefined;
};

/** The attachment is only ever written by `attach`, so its shape is known. */
export function stateOf(ws: WebSocket): ConnectionState {
  return ws.deserializeAttachment() as ConnectionState;
}

export function attach(ws: WebSocket, state: ConnectionState): void {
  ws.serializeAttachment(state);
}

/** Earliest token expiry among `states`, in epoch milliseconds, for the expiry alarm. */
export function earliestExpiryMs(states: Iterable<ConnectionState>): number | undefined {
  let earliest: number | undefined;
  for (const s of states) if (earliest === undefined || s.exp < earliest) earliest = s.exp;
  return earliest === undefined ? undefined : earliest * 1000;
}

export function isExpired(s: ConnectionState, nowMs: number): boolean {
  return s.exp * 1000 <= nowMs;
}
