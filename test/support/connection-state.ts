// A connection's state as a room keeps it, for the pure room helpers' tests.
import type { ConnectionState } from "../../src/room/sockets/attachment.ts";

export function connectionState(overrides: Partial<ConnectionState> = {}): ConnectionState {
  return {
    connectionId: crypto.randomUUID(),
    room: "lobby",
    tenant: "acme",
    kind: "user",
    id: "alice",
    scopes: ["subscribe"],
    exp: 1_800_000_600,
    presence: false,
    batch: false,
    connectedAt: 1_800_000_000_000,
    ...overrides,
  };
}
