// The seam between a socket host and the part of the room that numbers its sockets' messages and
// keeps their history: this object's own ledger (an unsharded room, see publisher.ts `ownSockets`),
// or, on a shard, the room's coordinator (sharding/shard.ts). Each socket's state says which.
import type { IdempotencyRef, PublishOutcome, PublishRequest } from "../protocol.ts";
import type { Replay } from "./ledger/ledger.ts";
import type { ConnectionState } from "./sockets/attachment.ts";

/** Where a socket's messages are numbered and its history kept: this object's ledger, or the coordinator. */
export interface Upstream {
  /** The last seq this host's sockets were sent: a new socket's welcome `seq`. */
  lastSeq(): number;
  /** What a member resuming from `since` missed, up to `upTo`. */
  replay(since: number, upTo: number, state: ConnectionState): Replay | Promise<Replay>;
  /** A client's publish, numbered and delivered by the room. */
  publish(req: PublishRequest, idempotency: IdempotencyRef | undefined, from: ConnectionState): Promise<PublishOutcome>;
  /** Presence news for watchers beyond this host (the other shards). */
  relayPresence(frame: string, from: ConnectionState): void;
  /** The host holds no socket and no pending connect any more. */
  emptied(state: ConnectionState): void;
  /** The last presence watcher here left. */
  watchersGone(state: ConnectionState): void;
}
