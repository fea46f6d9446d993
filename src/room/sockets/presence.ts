// Presence as pure functions over connection states.
import type { PresenceSnapshot } from "../../protocol.ts";
import { encodePresence, type PresenceFrame } from "../../wire.ts";
import type { ConnectionState } from "./attachment.ts";

/** Who is here: each user's sockets, and the `info` of the one they opened last (when it has one). */
export function presenceSnapshot(states: Iterable<ConnectionState>): PresenceSnapshot {
  const perUser = new Map<string, { connections: number; latest: ConnectionState }>();
  let connections = 0;
  for (const s of states) {
    connections++;
    const user = perUser.get(s.id);
    if (user === undefined) perUser.set(s.id, { connections: 1, latest: s });
    else {
      user.connections++;
      if (s.connectedAt >= user.latest.connectedAt) user.latest = s;
    }
  }
  return {
    connections,
    users: [...perUser].map(([id, { connections: n, latest }]) =>
      latest.info === undefined ? { id, connections: n } : { id, connections: n, info: latest.info },
    ),
  };
}

/** One room's snapshot from its shards' (a user's sockets all live on one shard). */
export function mergeSnapshots(parts: readonly PresenceSnapshot[]): PresenceSnapshot {
  return {
    connections: parts.reduce((n, p) => n + p.connections, 0),
    users: parts.flatMap((p) => p.users),
  };
}

/** A presence frame about `s`; `join` and `update` carry its `info`, `leave` never does. */
export function presenceFrame(action: PresenceFrame["action"], s: ConnectionState): string {
  return encodePresence({ action, user: s.id, connectionId: s.connectionId }, action === "leave" ? undefined : s.info);
}
