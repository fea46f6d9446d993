// A publish in the room's own object, from any path (HTTP, a batch, a client frame here or on a
// shard): one idempotency check, then every message numbered and recorded by the ledger and handed
// to delivery before the first await, to this object's sockets or to the shards that hold the
// room's sockets. Nothing interleaves, so a publish's messages get consecutive seqs. An ephemeral
// message skips the ledger: stamped with an id, delivered, forgotten. Live taps see each message
// as it is stamped, in seq order, whoever it is for. The room object's own sockets (an unsharded
// room) publish, and resume, right here.

import { filterInForce } from "../filter.ts";
import type { IdempotencyRef, PublishOutcome, PublishRequest, PublishResult } from "../protocol.ts";
import type { ClientSource } from "../webhooks/events.ts";
import { encodeMessageFrame } from "../wire.ts";
import type { RoomEvents } from "./events/room-events.ts";
import type { Ledger, Recorded } from "./ledger/ledger.ts";
import type { RoomMeter } from "./metering.ts";
import type { Forward } from "./rpc.ts";
import type { Coordinator } from "./sharding/coordinator.ts";
import type { ConnectionState } from "./sockets/attachment.ts";
import type { SocketHost } from "./sockets/host.ts";
import type { Taps } from "./tap.ts";
import type { Upstream } from "./upstream.ts";

type RecordFn = (req: PublishRequest, audience: string[] | undefined) => Recorded;

/** The parts of the object a publish passes through. */
export type PublishParts = {
  ledger: Ledger;
  host: SocketHost;
  coordinator: Coordinator;
  events: RoomEvents;
  meter: RoomMeter;
  taps: Taps;
};

export class Publisher {
  private readonly ledger: Ledger;
  private readonly host: SocketHost;
  private readonly coordinator: Coordinator;
  private readonly events: RoomEvents;
  private readonly meter: RoomMeter;
  private readonly taps: Taps;
  /** Arms the alarm that expires history. */
  private readonly recorded: (now: number) => void;

  constructor({ ledger, host, coordinator, events, meter, taps }: PublishParts, recorded: (now: number) => void) {
    this.ledger = ledger;
    this.events = events;
    this.host = host;
    this.coordinator = coordinator;
    this.meter = meter;
    this.taps = taps;
    this.recorded = recorded;
  }

  /**
   * Numbers, stamps, records and delivers messages in order, with consecutive seqs. With a key seen
   * before, answers from its record and delivers nothing. A client's publish (`source`) is also a
   * webhook event, recorded with the message (an ephemeral one is not recorded, so it makes none).
   */
  publish(
    reqs: readonly PublishRequest[],
    idempotency: IdempotencyRef | undefined,
    source?: ClientSource,
  ): Promise<PublishOutcome> {
    return this.ledger.once(idempotency, Date.now(), () => this.publishNow(reqs, source));
  }

  /** Numbers every message before the first await; a sharded room then waits for its shards. */
  private publishNow(reqs: readonly PublishRequest[], source: ClientSource | undefined): Promise<PublishResult[]> {
    const now = Date.now();
    if (reqs.some((r) => r.ephemeral !== true)) this.recorded(now);
    // Counted where messages are numbered (once, whichever object the socket of a "ws" one is on);
    // ephemeral messages too: they are published, only not kept.
    for (const req of reqs) this.meter.count("messages", req.source ?? "http", 1);
    const record: RecordFn = (req, audience) => {
      const recorded = this.ledger.record(req, audience, now);
      if (source !== undefined) this.events.published(source, req.room, recorded);
      return recorded;
    };
    return this.coordinator.count === undefined ? this.here(reqs, record, now) : this.sharded(reqs, record, now);
  }

  /** Unsharded: the sockets are here, so a targeted message's audience is known at once. */
  private here(reqs: readonly PublishRequest[], record: RecordFn, now: number): Promise<PublishResult[]> {
    const stamped = reqs.map((req) => {
      const { event, tags, to, exclude } = req;
      if (req.ephemeral === true) return { ...ephemeralOf(req, now), event, tags, to, exclude };
      // Targeted messages remember who they were for, so replay and history show them to no one else.
      const audience =
        to === undefined ? undefined : [...new Set(this.host.audienceOf(to, exclude).concat(to.users ?? []))];
      const { id, seq, frame } = record(req, audience);
      return { id, seq, frame, event, tags, to, exclude };
    });
    this.taps.feed(stamped);
    const delivered = this.host.deliver(stamped);
    return Promise.resolve(delivered).then((counts) => stamped.map((m, i) => resultOf(m, counts[i] ?? 0)));
  }

  /**
   * Sharded: the shards deliver, and tell who a connection-targeted message reached. Stored and
   * ephemeral messages go in runs of one kind, every run's calls leaving before any await, so each
   * shard receives them in publish order.
   */
  private sharded(reqs: readonly PublishRequest[], record: RecordFn, now: number): Promise<PublishResult[]> {
    const stamped = reqs.map((req): Forwardable => {
      const { event, tags, to, exclude } = req;
      if (req.ephemeral === true) return { ...ephemeralOf(req, now), event, tags, to, exclude };
      const audience = to === undefined ? undefined : [...(to.users ?? [])];
      const { id, seq, frame } = record(req, audience);
      return { id, seq, frame, event, tags, to, exclude };
    });
    this.taps.feed(stamped);
    const runs = runsOf(stamped).map((run) => (isStoredRun(run) ? this.forwardStored(run) : this.forwardLive(run)));
    return Promise.all(runs).then((answers) => answers.flat());
  }

  private async forwardStored(run: readonly StoredForward[]): Promise<PublishResult[]> {
    const results = await this.coordinator.forward(run);
    return run.map((forward, i) => {
      const { delivered, users } = results[i] ?? { delivered: 0, users: [] };
      // Who a connection-targeted message reached is known only now.
      if (forward.to?.connections !== undefined) this.ledger.widenAudience(forward.seq, users);
      return resultOf(forward, delivered);
    });
  }

  private async forwardLive(run: readonly Forwardable[]): Promise<PublishResult[]> {
    const delivered = await this.coordinator.forwardEphemeral(run);
    return run.map((m, i) => resultOf(m, delivered[i] ?? 0));
  }
}

type Forwardable = Omit<Forward, "prev" | "seq"> & { id: string; seq: number | undefined };
type StoredForward = Forwardable & { seq: number };

/** An ephemeral message stamped like a stored one, without a seq and without entering history. */
function ephemeralOf(req: PublishRequest, now: number): { id: string; seq: undefined; frame: string } {
  const id = crypto.randomUUID();
  const { event, tags, sender, room } = req;
  const frame = encodeMessageFrame({ id, seq: undefined, room, event, tags, sender, ts: now }, req.payloadJson);
  return { id, seq: undefined, frame };
}

const resultOf = (m: { id: string; seq: number | undefined }, delivered: number): PublishResult =>
  m.seq === undefined ? { id: m.id, ephemeral: true, delivered } : { id: m.id, seq: m.seq, delivered };

const isStoredRun = (run: readonly Forwardable[]): run is StoredForward[] => run[0]?.seq !== undefined;

/** Consecutive messages of one kind (stored or ephemeral), in order. */
function runsOf(messages: readonly Forwardable[]): Forwardable[][] {
  const runs: Forwardable[][] = [];
  for (const m of messages) {
    const last = runs.at(-1);
    if (last !== undefined && (last[0]?.seq === undefined) === (m.seq === undefined)) last.push(m);
    else runs.push([m]);
  }
  return runs;
}

/** The upstream of the room object's own sockets: numbered and kept by this object's ledger. */
export function ownSockets(ledger: Ledger, publisher: Publisher, emptied: () => void): Upstream {
  return {
    lastSeq: () => ledger.lastSeq(),
    replay: (since, upTo, s) => ledger.replay(since, upTo, s.id, filterInForce(s), Date.now()),
    publish: (req, idempotency, s) => publisher.publish([req], idempotency, clientSource(s)),
    relayPresence: () => {},
    emptied,
    watchersGone: () => {},
  };
}

/** A socket's publish as its webhook event names it. */
export const clientSource = (s: ConnectionState): ClientSource => ({
  tenant: s.tenant,
  user: s.id,
  connectionId: s.connectionId,
});
