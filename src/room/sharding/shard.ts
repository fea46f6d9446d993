// This object as one shard of a sharded room: it joins the room's layout with its first socket and
// leaves it with its last, is fed the room's messages in order (a gap filled from the room's
// history first), and sends its sockets' publishes, resumes and presence news to the room's own
// object. It is the `Upstream` of every socket it holds.
import type { TenantTerms } from "../../control/terms.ts";
import type { Env } from "../../env.ts";
import { filterInForce } from "../../filter.ts";
import { log } from "../../log.ts";
import type { IdempotencyRef, Member, PublishOutcome, PublishRequest } from "../../protocol.ts";
import { roomStub } from "../client.ts";
import type { Outgoing } from "../delivery/deliverer.ts";
import type { Replay } from "../ledger/ledger.ts";
import { clientSource } from "../publisher.ts";
import {
  type AttachAnswer,
  type CoordinatorRpc,
  type EphemeralForward,
  type Forward,
  type ForwardResult,
  RPC_VERSION,
  type StubFor,
} from "../rpc.ts";
import type { ConnectionState } from "../sockets/attachment.ts";
import type { SocketHost } from "../sockets/host.ts";
import type { Upstream } from "../upstream.ts";
import { type RoomIdentity, ShardFeed, stepFor } from "./feed.ts";
import type { ShardRef } from "./placement.ts";

type CoordinatorStub = StubFor<CoordinatorRpc>;

export class Shard implements Upstream {
  private readonly ctx: DurableObjectState;
  private readonly env: Env;
  private readonly host: SocketHost;
  private readonly state: ShardFeed;
  /** One stub to the room's object for this object's life, so calls arrive in order. */
  private coordinator: CoordinatorStub | undefined;
  /** An attach in flight; forwards wait for it. */
  private attaching: Promise<AttachAnswer> | undefined;
  /** Whether any shard has presence watchers; unknown (so: relay) after eviction. */
  private roomWatched: boolean | undefined;
  /** Whether this object life has looked for sockets on a forward yet. */
  private holdingChecked = false;

  constructor(ctx: DurableObjectState, env: Env, host: SocketHost) {
    this.ctx = ctx;
    this.env = env;
    this.host = host;
    this.state = new ShardFeed(ctx.storage.sql);
  }

  /** The shard this object is while it holds sockets; undefined otherwise. */
  get ref(): ShardRef | undefined {
    return this.state.ref;
  }

  /**
   * A socket is about to be accepted here: the first one attaches this shard to the room, and the
   * first presence watcher tells the room to relay presence here. Answers the room's shard count
   * when the room refuses this shard's layout (the upgrade must go where that layout puts it).
   */
  async join(member: Member, shard: ShardRef): Promise<number | undefined> {
    if (this.state.ref === undefined) {
      const answer = await this.attach(member.tenant, member.room, shard);
      if ("count" in answer) return answer.count;
    }
    if (member.presence && !this.host.watched)
      await this.coordinatorOf(member).shardWatchers(shard.index, true, RPC_VERSION);
    return undefined;
  }

  /**
   * A run of forwarded messages, handed to the sockets after every earlier run (a gap is filled
   * from history first). Only the hand-over is serial: the delivery itself may wait for its turn
   * with the next runs, so a busy shard coalesces them.
   */
  async feed(run: readonly Forward[]): Promise<ForwardResult> {
    const handed = await this.state.serial(async () => {
      await this.attaching;
      const identity = this.state.identity;
      // Sockets that vanished without a close (a deploy) leave a shard attached with nothing to
      // feed; that can only be so when the object has just started, so one look per life suffices.
      const vanished = !this.holdingChecked && this.host.held === 0;
      this.holdingChecked = true;
      if (identity === undefined || vanished) {
        this.state.detach();
        return undefined;
      }
      let outgoing: Outgoing[] = [];
      /** Deliveries of this run's forwards so far, in order; `outgoing` is the next. */
      const handedOver: (number[] | Promise<number[]>)[] = [];
      /** Where each forward sits among the delivered; undefined for one delivered before (a retry). */
      const at: (number | undefined)[] = [];
      let before = 0;
      const users: string[][] = [];
      let fed = this.state.fed;
      for (const f of run) {
        const step = stepFor(fed, f);
        if (step.kind === "fill") {
          // What came before the gap goes first, then the gap, a page at a time.
          if (outgoing.length > 0) handedOver.push(this.host.deliver(outgoing));
          before += outgoing.length;
          outgoing = [];
          await this.fill(identity, step.after, step.before);
        }
        const { seq, frame, event, tags, to, exclude } = f;
        // Who a connection-targeted message reaches goes back to the room for its audience.
        users.push(
          step.kind === "duplicate" || to?.connections === undefined
            ? []
            : [...new Set(this.host.audienceOf(to, exclude))],
        );
        if (step.kind === "duplicate") {
          at.push(undefined);
          continue;
        }
        at.push(before + outgoing.length);
        outgoing.push({ seq, frame, event, tags, to, exclude });
        fed = seq;
      }
      if (outgoing.length > 0) handedOver.push(this.host.deliver(outgoing));
      this.state.advance(fed);
      return { at, delivered: handedOver, users };
    });
    if (handed === undefined) return { delivered: run.map(() => 0), users: run.map(() => []), held: false };
    const counts = (await Promise.all(handed.delivered)).flat();
    const delivered = handed.at.map((i) => (i === undefined ? 0 : (counts[i] ?? 0)));
    return { delivered, users: handed.users, held: true };
  }

  /**
   * Ephemeral messages, handed to the sockets after every earlier run (they have no place in the
   * feed: nothing to fill, nothing to skip); the sockets each reached.
   */
  async feedEphemeral(run: readonly EphemeralForward[]): Promise<number[]> {
    const delivered = await this.state.serial(async () => {
      await this.attaching;
      if (this.state.identity === undefined) return [];
      return this.host.deliver(
        run.map(({ frame, event, tags, to, exclude }) => ({ seq: undefined, frame, event, tags, to, exclude })),
      );
    });
    return run.map((_, i) => delivered[i] ?? 0);
  }

  /** The room told whether any shard has presence watchers. */
  setWatched(watched: boolean): void {
    this.roomWatched = watched;
  }

  // ---- Upstream: what this shard's sockets need of the room ----

  lastSeq(): number {
    return this.state.fed;
  }

  /** A native promise (an RPC result is only a thenable), so the host can tell it from a replay at hand. */
  async replay(since: number, upTo: number, s: ConnectionState): Promise<Replay> {
    return await this.coordinatorOf(s).replay(since, upTo, s.id, filterInForce(s), RPC_VERSION, this.terms());
  }

  publish(req: PublishRequest, idempotency: IdempotencyRef | undefined, s: ConnectionState): Promise<PublishOutcome> {
    return this.coordinatorOf(s).publish([req], idempotency, RPC_VERSION, clientSource(s));
  }

  relayPresence(frame: string, s: ConnectionState): void {
    if (s.shard === undefined || this.roomWatched === false) return;
    const index = s.shard.index;
    this.background(
      this.coordinatorOf(s)
        .relayPresence(index, frame, RPC_VERSION)
        .then((watched) => {
          this.roomWatched = watched;
        }),
      "presence_relay_failed",
      index,
    );
  }

  /** This shard's last socket left: it leaves the room's layout and keeps nothing. */
  emptied(s: ConnectionState): void {
    if (s.shard === undefined) return;
    this.state.detach();
    this.background(
      this.coordinatorOf(s).detachShard(s.shard.index, RPC_VERSION),
      "shard_detach_failed",
      s.shard.index,
    );
  }

  /** The last presence watcher here left: the room stops relaying to this shard. */
  watchersGone(s: ConnectionState): void {
    if (s.shard === undefined) return;
    this.background(
      this.coordinatorOf(s).shardWatchers(s.shard.index, false, RPC_VERSION),
      "shard_watchers_failed",
      s.shard.index,
    );
  }

  private attach(tenant: string, room: string, shard: ShardRef): Promise<AttachAnswer> {
    this.attaching ??= this.coordinatorOf({ tenant, room })
      .attachShard(tenant, room, shard, RPC_VERSION)
      .then((answer) => {
        if ("fed" in answer) {
          this.state.attach({ tenant, room }, shard, answer.fed);
          this.roomWatched = answer.watched;
        }
        return answer;
      })
      .finally(() => {
        this.attaching = undefined;
      });
    return this.attaching;
  }

  /**
   * Delivers what this shard missed between `after` and `before` to whoever may still see it, a
   * page at a time: a page is handed to the sockets before the next is asked for, so the fill holds
   * one page of history (`HISTORY_PAGE_MAX_BYTES`), however long the gap.
   */
  private async fill(room: RoomIdentity, after: number, before: number): Promise<void> {
    let from: number | undefined = after;
    while (from !== undefined) {
      const page = await this.coordinatorOf(room).missed(from, before, RPC_VERSION, this.terms());
      const missed = page.messages.map(
        ({ seq, frame, event, tags, audience, exclude }): Outgoing => ({
          seq,
          frame,
          event,
          tags,
          stored: { audience, exclude },
        }),
      );
      if (missed.length > 0) await this.host.deliver(missed);
      from = page.next;
    }
    // Whatever history no longer holds is gone for good: the forward moves the shard past it.
  }

  /** The tenant's terms as this shard knows them, for the room's history reads (none: the defaults). */
  private terms(): TenantTerms | undefined {
    const terms = this.host.terms;
    return terms.at === 0 ? undefined : terms;
  }

  /** A call to the room the caller does not wait for; a failure is logged. */
  private background(call: Promise<unknown>, event: string, shard: number): void {
    this.ctx.waitUntil(call.catch((err: unknown) => log(event, { shard, error: String(err) })));
  }

  private coordinatorOf(s: RoomIdentity): CoordinatorStub {
    this.coordinator ??= roomStub(this.env, s.tenant, s.room);
    return this.coordinator;
  }
}
