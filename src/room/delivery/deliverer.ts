// Sending messages to one object's sockets: who each message is for (its targets, or for a stored
// message its audience, then each socket's filter), coalescing (Outbox), batch frames for
// `?batch=1` sockets (planFrames), and frames held for a socket whose replay is on its way.
import { canonicalFilterKey, type Filter, type Filterable, filterInForce, matchesFilter } from "../../filter.ts";
import { utf8ByteLength } from "../../utf8.ts";
import type { Exclude, Tags, Target } from "../../wire.ts";
import { type ConnectionState, stateOf } from "../sockets/attachment.ts";
import type { SocketRegistry } from "../sockets/registry.ts";
import { connectionTag, userTag } from "../sockets/registry.ts";
import { deliver, send } from "../sockets/send.ts";
import { type BatchLimits, batchFrames, planFrames } from "./frame-plan.ts";
import { type Defer, Outbox } from "./outbox.ts";
import { type SocketLookup, selectRecipients } from "./targeting.ts";

/**
 * A batch frame stays within what workerd itself accepts as one incoming frame (about 1 MiB), so
 * any peer, another Worker included, can read it; one larger message still goes, alone.
 */
export const BATCH_MAX_BYTES = 1_048_576;

/** A message on its way to this object's sockets, in seq order (ephemeral ones in between). */
export type Outgoing = {
  /** Undefined for an ephemeral message (live only). */
  seq: number | undefined;
  frame: string;
  event: string;
  tags?: Tags | undefined;
  /** Live: its targets and exclusions. */
  to?: Target | undefined;
  exclude?: Exclude | undefined;
  /**
   * Stored (a gap being filled): the users it may still reach (undefined is everyone), less the
   * connections its publish excluded.
   */
  stored?: { audience: readonly string[] | undefined; exclude?: readonly string[] | undefined } | undefined;
};

/** Told once per turn's delivery: messages written to sockets (a batch frame of n counts n) and their UTF-8 bytes. */
export type DeliveryTally = (deliveries: number, bytes: number) => void;

/** What a socket's attachment says about how it receives: read once per socket and object life. */
type Traits = { batch: boolean; filterKey: string; filter: Filter | undefined };
/** The sockets sharing one filter (or none). */
type Group = { filter: Filter | undefined; sockets: Set<WebSocket> };

/** The filter a socket receives by is its own narrowed by its token's claim. */
function traitsOf(s: Pick<ConnectionState, "batch" | "filter" | "enforced">): Traits {
  const filter = filterInForce(s);
  return { batch: s.batch, filterKey: canonicalFilterKey(filter), filter };
}

export class Deliverer {
  private readonly sockets: SocketRegistry;
  private readonly limits: BatchLimits;
  private readonly outbox: Outbox<Outgoing>;
  private readonly traits = new WeakMap<WebSocket, Traits>();
  /** Batch and filtering sockets; counted from the attachments once after a wake-up, then kept. */
  private counts: { batch: number; filtered: number } | undefined;
  /** The counted sockets by filter key, so a message reaching everyone is matched once per group. */
  private readonly groups = new Map<string, Group>();
  /** The sockets `counts` includes, so a socket is never taken out of them without having been in. */
  private readonly counted = new WeakSet<WebSocket>();
  /** Sockets waiting for their replay: whatever else they are sent meanwhile waits here, in order. */
  private readonly resuming = new Map<WebSocket, string[]>();
  private readonly tally: DeliveryTally;

  constructor(sockets: SocketRegistry, limits: BatchLimits, defer: Defer, tally: DeliveryTally) {
    this.sockets = sockets;
    this.limits = limits;
    this.tally = tally;
    this.outbox = new Outbox((messages) => this.deliverNow(messages), defer);
  }

  /** Delivers messages in seq order: at once when idle, else with the next turn's others. */
  submit(messages: readonly Outgoing[]): number[] | Promise<number[]> {
    return this.outbox.submit(messages);
  }

  /** Sends what waits for its turn now (see Outbox.flush). */
  flush(): void {
    this.outbox.flush();
  }

  /**
   * The seq a new socket's welcome names: `recorded` (the last seq this object has), unless messages
   * still wait to go out; those go to the new socket too, so its welcome must precede them.
   * Ephemeral messages waiting do not count: they have no seq to precede.
   */
  welcomeSeq(recorded: number): number {
    const first = this.outbox.firstWaiting((m) => m.seq !== undefined)?.seq;
    return first === undefined ? recorded : first - 1;
  }

  /** The sockets a live message is for: everyone, or its targets, less its exclusions (filters aside). */
  select(to: Target | undefined, exclude: Exclude | undefined): WebSocket[] {
    const lookup: SocketLookup<WebSocket> = (tag) => this.sockets.all(tag);
    return selectRecipients(lookup, to, exclude);
  }

  joined(ws: WebSocket, s: ConnectionState): void {
    this.traits.set(ws, traitsOf(s));
    if (this.counts !== undefined) this.count(ws, 1);
  }

  left(ws: WebSocket): void {
    this.resuming.delete(ws);
    this.count(ws, -1);
    this.traits.delete(ws);
  }

  /** A live filter change (a filter frame, or a refresh's claim); the attachment keeps both parts. */
  refiltered(ws: WebSocket, s: ConnectionState): void {
    this.count(ws, -1);
    this.joined(ws, s);
  }

  /** Frames for `ws` wait until `release`: its replay comes first. */
  hold(ws: WebSocket): void {
    this.resuming.set(ws, []);
  }

  /** What waited for `ws`, to be sent after its replay; nothing waits any more. */
  release(ws: WebSocket): string[] {
    const held = this.resuming.get(ws) ?? [];
    this.resuming.delete(ws);
    return held;
  }

  /** One frame to one socket, or held while its replay is on its way; false when it was not sent. */
  sendTo(ws: WebSocket, frame: string): boolean {
    if (ws.readyState !== WebSocket.OPEN) return false;
    const held = this.resuming.get(ws);
    if (held === undefined) return send(ws, frame);
    held.push(frame);
    return true;
  }

  /** A replay as a socket receives it: in batch frames when it asked for them. */
  replayFrames(ws: WebSocket, frames: string[]): string[] {
    return frames.length > 1 && this.traitsOf(ws).batch ? batchFrames(frames, this.limits) : frames;
  }

  /** Sends a turn's messages: the one place this object's deliveries happen and are counted, per message. */
  private deliverNow(messages: readonly Outgoing[]): number[] {
    const counts = this.currentCounts();
    const recipients = messages.map((m) => this.recipientsOf(m, counts.filtered > 0));
    if (counts.batch === 0 && this.resuming.size === 0) {
      let bytes = 0;
      const delivered = messages.map((m, i) => {
        const n = deliver(recipients[i] as WebSocket[], m.frame);
        if (n > 0) bytes += n * utf8ByteLength(m.frame);
        return n;
      });
      this.tally(sum(delivered), bytes);
      return delivered;
    }
    const plan = planFrames(
      messages.map((m) => m.frame),
      recipients,
      (ws) => this.traitsOf(ws).batch,
      this.limits,
    );
    const reached = new Set<WebSocket>();
    let bytes = 0;
    // A batch frame goes to every socket of its recipient set: measured once.
    const sizes = new Map<string, number>();
    for (const [ws, frames] of plan) {
      let ok = true;
      for (const frame of frames) {
        const sent = this.sendTo(ws, frame);
        if (sent) bytes += sizes.get(frame) ?? sizes.set(frame, utf8ByteLength(frame)).get(frame) ?? 0;
        ok = sent && ok;
      }
      if (ok) reached.add(ws);
    }
    const delivered = recipients.map((r) => r.filter((ws) => reached.has(ws)).length);
    this.tally(sum(delivered), bytes);
    return delivered;
  }

  /** Targets (or the stored audience) first; then each distinct filter is matched once. */
  private recipientsOf(m: Outgoing, filtering: boolean): WebSocket[] {
    const everyone =
      m.stored === undefined
        ? m.to === undefined && m.exclude === undefined
        : m.stored.audience === undefined && m.stored.exclude === undefined;
    if (filtering && everyone) return this.matchingGroups(m);
    const candidates = m.stored === undefined ? this.select(m.to, m.exclude) : this.storedFor(m.stored);
    if (!filtering) return candidates;
    const matched = new Map<string, boolean>();
    return candidates.filter((ws) => {
      const t = this.traitsOf(ws);
      let yes = matched.get(t.filterKey);
      if (yes === undefined) {
        yes = matchesFilter(t.filter, m);
        matched.set(t.filterKey, yes);
      }
      return yes;
    });
  }

  /** The sockets a stored message may still reach: its audience's (or all), less the excluded connections. */
  private storedFor(stored: NonNullable<Outgoing["stored"]>): WebSocket[] {
    const reach =
      stored.audience === undefined ? this.sockets.all() : stored.audience.flatMap((u) => this.sockets.all(userTag(u)));
    if (stored.exclude === undefined) return reach;
    const excluded = new Set(stored.exclude.flatMap((c) => this.sockets.all(connectionTag(c))));
    return reach.filter((ws) => !excluded.has(ws));
  }

  /** Every socket whose filter takes `m`: the cost grows with the distinct filters, not the sockets. */
  private matchingGroups(m: Filterable): WebSocket[] {
    const out: WebSocket[] = [];
    for (const g of this.groups.values()) if (matchesFilter(g.filter, m)) for (const ws of g.sockets) out.push(ws);
    return out;
  }

  private traitsOf(ws: WebSocket): Traits {
    let t = this.traits.get(ws);
    if (t === undefined) {
      t = traitsOf(stateOf(ws));
      this.traits.set(ws, t);
    }
    return t;
  }

  private currentCounts(): { batch: number; filtered: number } {
    if (this.counts === undefined) {
      this.counts = { batch: 0, filtered: 0 };
      for (const ws of this.sockets.open()) this.count(ws, 1);
    }
    return this.counts;
  }

  private count(ws: WebSocket, by: 1 | -1): void {
    if (this.counts === undefined || this.counted.has(ws) === (by === 1)) return;
    if (by === 1) this.counted.add(ws);
    else this.counted.delete(ws);
    const t = this.traitsOf(ws);
    if (t.batch) this.counts.batch += by;
    if (t.filter !== undefined) this.counts.filtered += by;
    const group = this.groups.get(t.filterKey) ?? { filter: t.filter, sockets: new Set() };
    if (by === 1) group.sockets.add(ws);
    else group.sockets.delete(ws);
    if (group.sockets.size === 0) this.groups.delete(t.filterKey);
    else this.groups.set(t.filterKey, group);
  }
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
