// A publish in the room's own object, from any path (HTTP, a batch, a client frame here or on a
// shard): one idempotency check, then every message numbered and recorded by the ledger and handed
// to delivery before the first await, to this object's sockets or to the shards that hold the
// room's sockets. Nothing interleaves, so a publish's messages get consecutive seqs. The room
// object's own sockets (an unsharded room) publish, and resume, right here.
import type { IdempotencyRef, PublishOutcome, PublishRequest, PublishResult } from "../protocol.ts";
import type { Ledger } from "./ledger/ledger.ts";
import type { RoomMeter } from "./metering.ts";
import type { Coordinator } from "./sharding/coordinator.ts";
import type { SocketHost } from "./sockets/host.ts";
import type { Upstream } from "./upstream.ts";

export class Publisher {
  private readonly ledger: Ledger;
  private readonly host: SocketHost;
  private readonly coordinator: Coordinator;
  /** Arms the alarm that expires history. */
  private readonly recorded: (now: number) => void;
  private readonly meter: RoomMeter;

  constructor(
    ledger: Ledger,
    host: SocketHost,
    coordinator: Coordinator,
    meter: RoomMeter,
    recorded: (now: number) => void,
  ) {
    this.ledger = ledger;
    this.host = host;
    this.coordinator = coordinator;
    this.meter = meter;
    this.recorded = recorded;
  }

  /**
   * Numbers, stamps, records and delivers messages in order, with consecutive seqs. With a key seen
   * before, answers from its record and delivers nothing.
   */
  publish(reqs: readonly PublishRequest[], idempotency: IdempotencyRef | undefined): Promise<PublishOutcome> {
    return this.ledger.once(idempotency, Date.now(), () => this.publishNow(reqs));
  }

  /** Numbers every message before the first await; a sharded room then waits for its shards. */
  private publishNow(reqs: readonly PublishRequest[]): Promise<PublishResult[]> {
    const now = Date.now();
    this.recorded(now);
    // Counted where messages are numbered (once, whichever object the socket of a "ws" one is on).
    for (const req of reqs) this.meter.count("messages", req.source ?? "http", 1);
    return this.coordinator.count === undefined ? this.here(reqs, now) : this.sharded(reqs, now);
  }

  /** Unsharded: the sockets are here, so a targeted message's audience is known at once. */
  private here(reqs: readonly PublishRequest[], now: number): Promise<PublishResult[]> {
    const recorded = reqs.map((req) => {
      const { event, tags, to, exclude } = req;
      // Targeted messages remember who they were for, so replay and history show them to no one else.
      const audience =
        to === undefined ? undefined : [...new Set(this.host.audienceOf(to, exclude).concat(to.users ?? []))];
      const { id, seq, frame } = this.ledger.record(req, audience, now);
      return { id, outgoing: { seq, frame, event, tags, to, exclude } };
    });
    const delivered = this.host.deliver(recorded.map((r) => r.outgoing));
    return Promise.resolve(delivered).then((counts) =>
      recorded.map(({ outgoing, id }, i) => ({ id, seq: outgoing.seq, delivered: counts[i] ?? 0 })),
    );
  }

  /** Sharded: the shards deliver, and tell who a connection-targeted message reached. */
  private sharded(reqs: readonly PublishRequest[], now: number): Promise<PublishResult[]> {
    const recorded = reqs.map((req) => {
      const audience = req.to === undefined ? undefined : [...(req.to.users ?? [])];
      const { id, seq, frame } = this.ledger.record(req, audience, now);
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
    publish: (req, idempotency) => publisher.publish([req], idempotency),
    relayPresence: () => {},
    emptied,
    watchersGone: () => {},
  };
}
