// The room object's side of a sharded room: it learns when a shard gains its first socket
// (`attachShard`) or loses its last (`detachShard`), keeps the layout durable, and fans out:
// forwards, presence relays, and questions every live shard answers. Each shard is reached through
// one long-lived stub, so forwards arrive in the order they were made; each forward names the one
// sent before it, so a shard can tell a lost forward from a message meant elsewhere.
import { configFor } from "../../config.ts";
import { GrantTable } from "../../control/grant-table.ts";
import type { Env } from "../../env.ts";
import { log } from "../../log.ts";
import type { DisconnectBody } from "../../protocol.ts";
import type { Target } from "../../wire.ts";
import { roomStubByName } from "../client.ts";
import {
  type AttachAnswer,
  type Disconnected,
  type EphemeralForward,
  type Forward,
  type RoomPresence,
  RPC_VERSION,
  type ShardGaps,
  type ShardRpc,
  type StubFor,
  shardGaps,
} from "../rpc.ts";
import { mergeSnapshots } from "../sockets/presence.ts";
import { Layout } from "./layout.ts";
import { type ShardRef, shardObjectName, shardsFor } from "./placement.ts";

type ShardStub = StubFor<ShardRpc>;

/** What the coordinator needs of the rest of its object. */
export type CoordinatorHost = {
  /** The room's last seq: where a newly attached shard is fed from. */
  lastSeq(): number;
  /** Sockets the room's own object holds (an unsharded layout), pending connects included. */
  held(): number;
  /** The last shard left: the room may clean up. */
  emptied(): void;
  /** The room gained its first live shard, or lost its last (webhook events). */
  occupancy(where: { tenant: string; room: string }, occupied: boolean): void;
};

export class Coordinator {
  private readonly layout: Layout;
  private readonly env: Env;
  private readonly here: CoordinatorHost;
  /** Last seq forwarded to each shard in this object's life; unknown after eviction. */
  private readonly sent = new Map<number, number>();
  private readonly stubs = new Map<number, ShardStub>();
  /** Places each shard was granted under the room's cap: the cap holds for the room as a whole. */
  readonly places: GrantTable;

  constructor(sql: SqlStorage, env: Env, here: CoordinatorHost) {
    this.layout = new Layout(sql);
    this.places = new GrantTable(sql, "room_places");
    this.env = env;
    this.here = here;
  }

  /** Where the Worker placed each user (the deployment's SHARD_PLACEMENT_KEY), so targeted messages find them. */
  private get placementKey(): string | undefined {
    return configFor(this.env).shardPlacementKey;
  }

  /** The shard count of the room's live shards; undefined while no shard holds sockets. */
  get count(): number | undefined {
    return this.layout.count;
  }

  /**
   * A shard took its first socket: the one place a shard joins the room's layout, or learns the
   * layout it must use (the room keeps the count it started with until no socket is left anywhere).
   */
  attachShard(tenant: string, room: string, shard: ShardRef): AttachAnswer {
    const layout = this.layout.count ?? (this.here.held() > 0 ? 1 : undefined);
    if (layout !== undefined && layout !== shard.count) return { count: layout };
    const fed = this.here.lastSeq();
    this.layout.add(tenant, room, shard.index, shard.count);
    this.here.occupancy({ tenant, room }, true);
    this.sent.set(shard.index, fed);
    return { fed, watched: this.layout.watched };
  }

  /** A shard's last socket left: it is sent nothing until it attaches again. */
  detachShard(index: number): void {
    this.drop(index);
    this.here.emptied();
  }

  /** A shard gained its first presence watcher or lost its last; every shard learns when the room's state changed. */
  async shardWatchers(index: number, has: boolean): Promise<void> {
    if (!this.layout.setWatchers(index, has)) return;
    const watched = this.layout.watched;
    await Promise.all([...this.layout.live].map((i) => this.call(i, (stub) => stub.setWatched(watched, RPC_VERSION))));
  }

  /** Presence news from one shard for the watchers on the others; answers whether anyone watches. */
  async relayPresence(from: number, frame: string): Promise<boolean> {
    await Promise.all(
      this.layout.watchersBut(from).map((i) => this.call(i, (stub) => stub.presenceFrom(frame, RPC_VERSION))),
    );
    return this.layout.watched;
  }

  /**
   * Forwards a run of consecutive messages to the live shards each is for: one call per shard,
   * carrying that shard's messages in seq order. Every call starts before any await, so runs leave
   * in seq order. A call that fails is sent once more on a fresh stub, its first message naming no
   * predecessor, so the shard checks its gap against history (and skips what it had delivered).
   */
  async forward(run: readonly Omit<Forward, "prev">[]): Promise<{ delivered: number; users: string[] }[]> {
    const totals = run.map(() => ({ delivered: 0, users: [] as string[] }));
    const perShard = [...this.perShard(run)].map(([index, { at, items }]) => {
      const forwards = items.map((f): Forward => {
        const prev = this.sent.get(index);
        this.sent.set(index, f.seq);
        return { ...f, prev };
      });
      return { index, at, forwards };
    });
    await Promise.all(
      perShard.map(async ({ index, at, forwards }) => {
        const first = forwards[0] as Forward;
        const r =
          (await this.call(index, (stub) => stub.feed(forwards, RPC_VERSION))) ??
          (await this.call(index, (stub) =>
            stub.feed([{ ...first, prev: undefined }, ...forwards.slice(1)], RPC_VERSION),
          ));
        if (r === undefined) return;
        r.delivered.forEach((n, i) => {
          const total = totals[at[i] as number];
          if (total === undefined) return;
          total.delivered += n;
          total.users.push(...(r.users[i] ?? []));
        });
        // A shard whose sockets all went without a close (a deploy) tells us on its next forward.
        if (!r.held) this.drop(index);
      }),
    );
    return totals;
  }

  /**
   * Forwards ephemeral messages like `forward`, behind every earlier forward on each shard's stub;
   * answers the sockets each reached. Live only: a call that fails is not repeated.
   */
  async forwardEphemeral(run: readonly EphemeralForward[]): Promise<number[]> {
    const totals = run.map(() => 0);
    await Promise.all(
      [...this.perShard(run)].map(async ([index, { at, items }]) => {
        const delivered = await this.call(index, (stub) => stub.feedEphemeral(items, RPC_VERSION));
        delivered?.forEach((n, i) => {
          const j = at[i] as number;
          totals[j] = (totals[j] ?? 0) + n;
        });
      }),
    );
    return totals;
  }

  /** Each live shard's share of a run: the messages it is for, in order, and where each sits in the run. */
  private perShard<F extends { to?: Target | undefined }>(
    run: readonly F[],
  ): Map<number, { at: number[]; items: F[] }> {
    const perShard = new Map<number, { at: number[]; items: F[] }>();
    const layout = this.layout.room;
    if (layout === undefined) return perShard;
    const live = this.layout.live;
    run.forEach((f, at) => {
      for (const index of shardsFor(f.to, layout.tenant, live, layout.count, this.placementKey)) {
        const mine = perShard.get(index) ?? { at: [], items: [] };
        perShard.set(index, mine);
        mine.at.push(at);
        mine.items.push(f);
      }
    });
    return perShard;
  }

  /** The room's presence: the sum over its live shards (a user's sockets all live on one shard). */
  async presence(): Promise<RoomPresence> {
    const { answers, failed } = await this.ask([...this.layout.live], (shard) => shard.shardPresence(RPC_VERSION));
    return { ...mergeSnapshots(answers.map((a) => a.value)), ...shardGaps(failed) };
  }

  /** Closes the matching sockets on the shards that hold them; how many were open. */
  async disconnect(body: DisconnectBody): Promise<Disconnected> {
    const layout = this.layout.room;
    if (layout === undefined) return { disconnected: 0 };
    const indexes = shardsFor(body, layout.tenant, this.layout.live, layout.count, this.placementKey);
    const { answers, failed } = await this.ask(indexes, (shard) => shard.shardDisconnect(body, RPC_VERSION));
    return { disconnected: answers.reduce((n, a) => n + a.value, 0), ...shardGaps(failed) };
  }

  /** Open sockets on each live shard. */
  async connections(): Promise<{ shards: { shard: number; connections: number }[] } & ShardGaps> {
    const { answers, failed } = await this.ask([...this.layout.live], (shard) => shard.shardConnections(RPC_VERSION));
    return { shards: answers.map((a) => ({ shard: a.index, connections: a.value })), ...shardGaps(failed) };
  }

  /** Asks each of `indexes`: the answers, and the shards that did not answer (logged by `call`). */
  private async ask<T>(
    indexes: readonly number[],
    question: (stub: ShardStub) => Promise<T>,
  ): Promise<{ answers: { index: number; value: T }[]; failed: number[] }> {
    const values = await Promise.all(indexes.map((i) => this.call(i, question)));
    const answers: { index: number; value: T }[] = [];
    const failed: number[] = [];
    indexes.forEach((index, i) => {
      const value = values[i];
      if (value === undefined) failed.push(index);
      else answers.push({ index, value });
    });
    return { answers, failed: failed.sort((a, b) => a - b) };
  }

  /** The one place a shard leaves the layout (its last socket left, or it was found empty). */
  private drop(index: number): void {
    if (!this.layout.remove(index)) return;
    this.sent.delete(index);
    const room = this.layout.room;
    if (this.layout.count === undefined && room !== undefined) this.here.occupancy(room, false);
  }

  /**
   * One call through the shard's long-lived stub. A stub that failed is broken for good: drop it,
   * and forget what was sent, so the shard checks the next forward against history.
   */
  private async call<T>(index: number, ask: (stub: ShardStub) => Promise<T>): Promise<T | undefined> {
    const layout = this.layout.room;
    if (layout === undefined) return undefined;
    let stub = this.stubs.get(index);
    if (stub === undefined) {
      stub = roomStubByName(this.env, shardObjectName(layout.tenant, layout.room, index));
      this.stubs.set(index, stub);
    }
    try {
      return await ask(stub);
    } catch (err) {
      this.stubs.delete(index);
      this.sent.delete(index);
      log("shard_call_failed", { shard: index, error: String(err) });
      return undefined;
    }
  }
}
