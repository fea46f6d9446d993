// Where a room's sockets are, for the calls that ask about all of them: on the room's own object
// (unsharded, or sharded with no shard holding sockets yet) or on its live shards, whose answers
// the coordinator sums. The answer has the same shape either way.
import type { DisconnectBody } from "../protocol.ts";
import type { Disconnected, RoomPresence, ShardGaps } from "./rpc.ts";
import type { Coordinator } from "./sharding/coordinator.ts";
import type { SocketHost } from "./sockets/host.ts";

export type ShardConnections = { shards: { shard: number; connections: number }[] } & ShardGaps;

export class RoomSockets {
  private readonly host: SocketHost;
  private readonly coordinator: Coordinator;

  constructor(host: SocketHost, coordinator: Coordinator) {
    this.host = host;
    this.coordinator = coordinator;
  }

  /** Decided per call: a room's shards come and go with its sockets. */
  private get onShards(): boolean {
    return this.coordinator.count !== undefined;
  }

  async presence(): Promise<RoomPresence> {
    return this.onShards ? this.coordinator.presence() : this.host.presence();
  }

  /** Closes the matching sockets with 4003: how many were open. */
  async disconnect(body: DisconnectBody): Promise<Disconnected> {
    return this.onShards ? this.coordinator.disconnect(body) : { disconnected: this.host.disconnect(body) };
  }

  async connections(): Promise<ShardConnections> {
    return this.onShards
      ? this.coordinator.connections()
      : { shards: [{ shard: 0, connections: this.host.connections() }] };
  }
}
