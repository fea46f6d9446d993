// Every call into the room's Durable Object class, typed in one place: what the Worker asks a room,
// what the tenant asks any object holding sockets, what a shard asks its coordinator (the room's
// own object) and what the coordinator asks its shards. `Room` implements all four; a caller sees
// only its side through `StubFor`.

import type { ReceivedViewer } from "../auth/principal.ts";
import type { TenantTerms } from "../control/terms.ts";
import type { Env } from "../env.ts";
import type { Filter } from "../filter.ts";
import { formatVersion } from "../format-version.ts";
import type {
  DisconnectBody,
  HistoryQuery,
  IdempotencyRef,
  PresenceSnapshot,
  PresentUser,
  PublishOutcome,
  PublishRequest,
  Revocation,
} from "../protocol.ts";
import type { PushResult } from "../tenant/holders.ts";
import type { ClientSource } from "../webhooks/events.ts";
import type { Exclude, Tags, Target } from "../wire.ts";
import type { MissedPage, Replay } from "./ledger/ledger.ts";
import type { ShardRef } from "./sharding/placement.ts";

/**
 * The format of the calls into the room class whose shape changed: every call between a room's
 * coordinator and its shards ends with the caller's version, and so does the Worker's `disconnect`.
 * A caller of the version before sends none, which reads as 1. A callee refuses a newer version
 * (`NewerFormatError`: the caller logs it and treats the call as failed) and answers an older
 * caller in that caller's format.
 *
 * 1: as first shipped. 2: `disconnect` answers `{ disconnected, partial?, failedShards? }`, not a count.
 */
export const RPC_VERSION = 2;

/** On an answer gathered from a sharded room's shards: set when some did not answer, naming them. */
export type ShardGaps = { partial?: true; failedShards?: number[] };

export const shardGaps = (failed: readonly number[]): ShardGaps =>
  failed.length === 0 ? {} : { partial: true, failedShards: [...failed] };

/** `T` with the gap fields, as one object type (what the HTTP answer documents). */
type WithGaps<T> = { [K in keyof (T & ShardGaps)]: (T & ShardGaps)[K] };

/** The operator's view of a room. */
export type RoomInfo = WithGaps<{ seq: number; connections: number; shards: { shard: number; connections: number }[] }>;

/** Who is connected, as a room answers (`info` as JSON text). */
export type RoomPresence = WithGaps<PresenceSnapshot>;

/** Who is connected, as the HTTP answer says it (`info` as the object it is; see `presenceIn`). */
export type PresenceAnswer = WithGaps<{ connections: number; users: PresentUser[] }>;

/** What a disconnect closed (sockets open before it), as the HTTP answer says it. */
export type Disconnected = WithGaps<{ disconnected: number }>;

/** Asked by the Worker of a room's own object. */
export interface RoomRpc {
  publish(reqs: readonly PublishRequest[], idempotency?: IdempotencyRef): Promise<PublishOutcome>;
  /** `terms`: the tenant's as the Worker's snapshot holds them; the room follows newer ones (a room of the version before ignores them). */
  history(query: HistoryQuery, viewer: ReceivedViewer, filter?: Filter, terms?: TenantTerms): Promise<string>;
  presence(): Promise<RoomPresence>;
  /** A caller of version 1 (no `v`) gets the count alone. */
  disconnect(body: DisconnectBody, v?: number): Promise<Disconnected | number>;
  info(): Promise<RoomInfo>;
}

/** Asked by the tenant of every object registered as holding sockets (a room's or a shard's). */
export interface HolderRpc {
  revoke(r: Revocation): Promise<PushResult>;
  /** The tenant's status or limits changed: a suspended or deleted tenant's sockets close with 4004. */
  tenantTerms(terms: TenantTerms): Promise<PushResult>;
  holdsSockets(): Promise<boolean>;
  /** Asked of a room that stores a deleted tenant's data: its history and idempotency records go. */
  purgeTenantData(): Promise<void>;
}

/** A message as the coordinator forwards it to a shard. */
export type Forward = {
  seq: number;
  /** The last seq the coordinator sent this shard before this one; undefined when it does not know. */
  prev: number | undefined;
  frame: string;
  /** What subscribers' filters match. */
  event: string;
  tags?: Tags | undefined;
  to?: Target | undefined;
  exclude?: Exclude | undefined;
};

/** An ephemeral message as the coordinator forwards it: no seq, so no place in a shard's feed. */
export type EphemeralForward = Omit<Forward, "seq" | "prev">;

/**
 * What a shard answers a run of forwards: per message, the sockets reached and their users (for
 * audiences); and whether it still holds any socket.
 */
export type ForwardResult = { delivered: number[]; users: string[][]; held: boolean };

/** A shard's attach: refused with the room's layout, or accepted with the seq it is fed from. */
export type AttachAnswer = { count: number } | { fed: number; watched: boolean };

/**
 * Asked by a shard of its coordinator (besides `publish`, which shards forward their clients' publishes to).
 * A client's publish names its `source` after the version, for its webhook event: an added trailing
 * argument, which a coordinator of the version before ignores (that publish then has no event).
 */
export interface CoordinatorRpc {
  publish(
    reqs: readonly PublishRequest[],
    idempotency?: IdempotencyRef,
    v?: number,
    source?: ClientSource,
  ): Promise<PublishOutcome>;
  /** The shard took its first socket. */
  attachShard(tenant: string, room: string, shard: ShardRef, v?: number): Promise<AttachAnswer>;
  /** The shard's last socket left. */
  detachShard(index: number, v?: number): Promise<void>;
  /** The shard `object` holds `holding` sockets and asks `want` more places under the room's cap `max`: its grant. */
  reserveRoomPlaces(object: string, holding: number, want: number, max: number, v?: number): Promise<number>;
  /** The shard `object` needs only `keep` places (0: it holds no socket). */
  settleRoomPlaces(object: string, keep: number, v?: number): Promise<void>;
  /** The shard gained its first presence watcher, or lost its last. */
  shardWatchers(index: number, has: boolean, v?: number): Promise<void>;
  /** Presence news from one shard for the others' watchers; answers whether anyone watches. */
  relayPresence(index: number, frame: string, v?: number): Promise<boolean>;
  /**
   * A resume on a shard: what a member missed, from the room's history. `terms`: the tenant's as the
   * shard holds them (an added trailing argument, which a coordinator of the version before ignores).
   */
  replay(
    since: number,
    upTo: number,
    user: string,
    filter: Filter | undefined,
    v?: number,
    terms?: TenantTerms,
  ): Promise<Replay>;
  /** A gap in a shard's feed: messages with `after` < seq < `before`, a page at a time; `terms` as for `replay`. */
  missed(after: number, before: number, v?: number, terms?: TenantTerms): Promise<MissedPage>;
}

/** Asked by the coordinator of each of its shards. */
export interface ShardRpc {
  feed(run: readonly Forward[], v?: number): Promise<ForwardResult>;
  /**
   * Ephemeral messages, delivered after every earlier feed: the sockets each reached. A method of
   * its own, so a shard of the version before (no such method) fails the call, and only these
   * live-only messages are lost during a deploy, never a stored one.
   */
  feedEphemeral(run: readonly EphemeralForward[], v?: number): Promise<number[]>;
  presenceFrom(frame: string, v?: number): Promise<void>;
  setWatched(watched: boolean, v?: number): Promise<void>;
  shardPresence(v?: number): Promise<PresenceSnapshot>;
  shardDisconnect(body: DisconnectBody, v?: number): Promise<number>;
  shardConnections(v?: number): Promise<number>;
}

/** The caller's version of a call between the room's objects, checked: a newer one throws NewerFormatError. */
export const rpcVersion = (v: number | undefined): number =>
  formatVersion("a call from another object of the room", v, RPC_VERSION);

/** A stub to any object of the room class: a room's own, or one of its shards. */
export type RoomStub = ReturnType<Env["ROOMS"]["get"]>;

/** A stub that offers only one side's methods. */
export type StubFor<Side> = Pick<RoomStub, keyof Side & keyof RoomStub>;
