// Presence as pure functions over connection states.
import type { PresenceSnapshot } from "../../protocol.ts";
import { encodePresence, type PresenceFrame } from "../../wire.ts";
import type { ConnectionState } from "./attachment.ts";

export function presenceSnapshot(states: Iterable<ConnectionState>): PresenceSnapshot {
  const perUser = new Map<string, number>();
  let connections = 0;
  for (const s of states) {
    connections++;
    perUser.set(s.id, (perUser.get(s.id) ?? 0) + 1);
  }
  return { connections, users: [...perUser].map(([id, n]) => ({ id, connections: n })) };
}

/** One room's snapshot from its shards' (a user's sockets all live on one shard). */
export function mergeSnapshots(parts: readonly PresenceSnapshot[]): PresenceSnapshot {
  return {
    connections: parts.reduce((n, p) => n + p.connections, 0),
    users: parts.flatMap((p) => p.users),
  };
}

export function presenceFrame(action: PresenceFrame["action"], s: ConnectionState): string {
  return encodePresence({ action, user: s.id, connectionId: s.connectionId });
}
