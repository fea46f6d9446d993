// Who a socket belongs to: the member the Worker built from a verified token, plus what the room
// adds at accept. It lives in the socket's attachment, so it survives hibernation, and a deploy:
// a hibernated socket wakes on the next version's code, which must read what this one wrote.
import { formatVersion } from "../../format-version.ts";
import type { Member } from "../../protocol.ts";
import type { ShardRef } from "../sharding/placement.ts";

export type ConnectionState = Member & {
  connectionId: string;
  /** Epoch ms, for the disconnect log line's duration. */
  connectedAt: number;
  /** The shard holding the socket in a sharded room; absent when the room object holds it. */
  shard?: ShardRef | undefined;
};

/**
 * The attachment's format. 1 (no `v`) named the member's id `sub` and had no `kind`; 2 adds `v`,
 * `kind` and `id`, and still names the id `sub` too, so the version before reads a socket this
 * one accepted (after a rollback). 3 is 2 with `enforced` (a token's filter claim), written only
 * for such a socket: a version that cannot enforce the claim closes it rather than serve it more.
 */
export const ATTACHMENT_VERSION = 3;

/** The oldest format that keeps `state` faithfully. */
const versionFor = (state: ConnectionState): number => (state.enforced === undefined ? 2 : ATTACHMENT_VERSION);

type Stored = ConnectionState & { v: number; sub: string };
/** An attachment of format 1. */
type StoredV1 = Omit<ConnectionState, "kind" | "id"> & { sub: string };

/** A socket's state from its attachment as any version wrote it; a newer format throws NewerFormatError. */
export function readAttachment(stored: Stored | StoredV1): ConnectionState {
  if ("v" in stored && (stored.v === ATTACHMENT_VERSION || stored.v === 2)) return stored;
  const v = formatVersion("a socket attachment", "v" in stored ? stored.v : undefined, ATTACHMENT_VERSION);
  return v === 1 ? { ...stored, kind: "user", id: stored.sub } : (stored as Stored);
}

/** The attachment is only ever written by `attach`, of this version or another. */
export function stateOf(ws: WebSocket): ConnectionState {
  return readAttachment(ws.deserializeAttachment() as Stored | StoredV1);
}

export function attach(ws: WebSocket, state: ConnectionState): void {
  const stored: Stored = { ...state, v: versionFor(state), sub: state.id };
  ws.serializeAttachment(stored);
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
