// A publish in the room's own object, from any path (HTTP, a batch, a client frame here or on a
// shard): one idempotency check, then every message numbered and recorded by the ledger and handed
// to delivery before the first await, to this object's sockets or to the shards that hold the
// room's sockets. Nothing interleaves, so a publish's messages get consecutive seqs. The room
// object's own sockets (an unsharded room) publish, and resume, right here.
import type { IdempotencyRef, PublishOutcome, PublishRequest, PublishResult } from "../protocol.ts";
import type { ClientSource } from "../webhooks/events.ts";
import type { RoomEvents } from "./events/room-events.ts";
import type { Ledger, Recorded } from "./ledger/ledger.ts";
import type { RoomMeter } from "./metering.ts";
import type { Coordinator } from "./sharding/coordinator.ts";
import type { ConnectionState } from "./sockets/attachment.ts";
import type { SocketHost } from "./sockets/host.ts";
import type { Upstream } from "./upstream.ts";

/** Numbers and records one message (and its webhook event, for a client's publish). */
type RecordFn = (req: PublishRequest, audience: string[] | undefined) => Recorded;

export class Publisher {
  private readonly ledger: Ledger;
  private readonly host: SocketHost;
  private readonly coordinator: Coordinator;
  private readonly events: RoomEvents;
  /** Arms the alarm that expires history. */
  private readonly recorded: (now: number) => void;
  private readonly meter: RoomMeter;

  constructor(
    ledger: Ledger,
    host: SocketHost,
    coordinator: Coordinator,
    events: RoomEvents,
    meter: RoomMeter,
    recorded: (now: number) => void,
  ) {
    this.ledger = ledger;
    this.events = events;
    this.host = host;
    this.coordinator = coordinator;
    this.meter = meter;
    this.recorded = recorded;
  }

  /**
   * Numbers, stamps, records and delivers messages in order, with consecutive seqs. With a key seen
   * before, answers from its record and delivers nothing. A client's publish (`source`) is also a
   * webhook event, recorded with the message.
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
    this.recorded(now);
    // Counted where messages are numbered (once, whichever object the socket of a "ws" one is on).
    for (const req of reqs) this.meter.count("messages", req.source ?? "http", 1);
    const record = (req: PublishRequest, audience: string[] | undefined): Recorded => {
      const recorded = this.ledger.record(req, audience, now);
      if (source !== undefined) this.events.published(source, req.room, recorded);
      return recorded;
    };
    return this.coordinator.count === undefined ? this.here(reqs, record) : this.sharded(reqs, record);
  }

  /** Unsharded: the sockets are here, so a targeted message's audience is known at once. */
  private here(reqs: readonly PublishRequest[], record: RecordFn): Promise<PublishResult[]> {
    const recorded = reqs.map((req) => {
      const { event, tags, to, exclude } = req;
      // Targeted messages remember who they were for, so replay and history show them to no one else.
      const audience =
        to === undefined ? undefined : [...new Set(this.host.audienceOf(to, exclude).concat(to.users ?? []))];
      const { id, seq, frame } = record(req, audience);
      return { id, outgoing: { seq, frame, event, tags, to, exclude } };
    });
    const delivered = this.host.deliver(recorded.map((r) => r.outgoing));
    return Promise.resolve(delivered).then((counts) =>
      recorded.map(({ outgoing, id }, i) => ({ id, seq: outgoing.seq, delivered: counts[i] ?? 0 })),
    );
  }

  /** Sharded: the shards deliver, and tell who a connection-targeted message reached. */
  private sharded(reqs: readonly PublishRequest[], record: RecordFn): Promise<PublishResult[]> {
    const recorded = reqs.map((req) => {
      const audience = req.to === undefined ? undefined : [...(req.to.users ?? [])];
      const { id, seq, frame } = record(req, audience);
      const { event, tags, to, exclude } = req;
      return { id, forward: { seq, frame, event, tags, to, exclude } };
    });
    return this.coordinator.forward(recorded.map((r) => r.forward)).then((results) =>
      recorded.map(({ id, forward }, i) => {
        const { delivered, users } = results[i] ?? { delivered: 0, users: [] };
        // Who a connection-targeted message reached is known only now.
        if (forward.to?.connections !== undefined) this.ledger.widenAudience(forward.seq, users);
        return { id, seq: forward.seq, delivered };
      }),
    );
  }
}

/** The upstream of the room object's own sockets: numbered and kept by this object's ledger. */
export function ownSockets(ledger: Ledger, publisher: Publisher, emptied: () => void): Upstream {
  return {
    lastSeq: () => ledger.lastSeq(),
    replay: (since, upTo, s) => ledger.replay(since, upTo, s.id, s.filter, Date.now()),
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
