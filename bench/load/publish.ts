// Publishers: HTTP POSTs carrying the send time and a sequence number, paced (rate) or as fast as
// a fixed number in flight allows (saturate), one message per request or (the gateway's
// `POST …/messages/batch`) up to 100. Each publish records its send time before the request; every
// message of a batch request has that request's send time.

import { sleep } from "../harness/processes.ts";
import type { RunningTarget } from "../harness/targets.ts";
import type { DeliveryLog } from "./deliveries.ts";

const PUBLISH_TIMEOUT_MS = 30_000;
/** Rate mode is open-loop; this only bounds memory and sockets if the server stalls. */
const RATE_MAX_IN_FLIGHT = 256;
export const DEFAULT_EVENT = "bench";

/** `{"event":"bench","payload":{"i":…,"t":…,"pad":"x…"}}` with the payload exactly `bytes` long when it can be. */
export function publishBody(i: number, t: number, bytes: number, event = DEFAULT_EVENT): string {
  const bare = `{"i":${i},"t":${t},"pad":""}`;
  const pad = "x".repeat(Math.max(0, bytes - bare.length));
  return `{"event":${JSON.stringify(event)},"payload":{"i":${i},"t":${t},"pad":"${pad}"}}`;
}

/** What each request carries: how many messages, how large, and message k's event. */
export type Publication = {
  payloadBytes: number;
  /** 1: `POST …/messages`; more: the gateway's batch route, this many messages per request. */
  perRequest: number;
  event: (k: number) => string;
};

export const singlePublishes = (payloadBytes: number): Publication => ({
  payloadBytes,
  perRequest: 1,
  event: () => DEFAULT_EVENT,
});

export type PublishStats = {
  /** Requests sent and answered 2xx. */
  sent: number;
  ok: number;
  /** Messages those requests carried. */
  messages: number;
  /** Non-2xx answers and transport errors, by status or error text. */
  failures: Record<string, number>;
  /** Sum of the servers' `delivered` answers (each message's, for a batch). */
  reportedDelivered: number;
  /** Milliseconds from sending each publish to its answer. */
  responseMs: number[];
  wallMs: number;
};

class Publisher {
  readonly stats: PublishStats = {
    sent: 0,
    ok: 0,
    messages: 0,
    failures: {},
    reportedDelivered: 0,
    responseMs: [],
    wallMs: 0,
  };
  inFlight = 0;
  private readonly target: RunningTarget;
  private readonly log: DeliveryLog;
  private readonly publication: Publication;
  private readonly url: string;

  constructor(target: RunningTarget, room: string, log: DeliveryLog, publication: Publication) {
    this.target = target;
    this.log = log;
    this.publication = publication;
    if (publication.perRequest === 1) this.url = target.publishUrl(room);
    else if (target.batchPublishUrl !== undefined) this.url = target.batchPublishUrl(room);
    else throw new Error(`${target.name} has no batch publish`);
  }

  /** Messages `first` … `first + count - 1` in one request. */
  async publish(first: number, count: number): Promise<void> {
    this.inFlight++;
    this.stats.sent++;
    this.stats.messages += count;
    const { payloadBytes, event } = this.publication;
    const now = Date.now();
    const bodies = Array.from({ length: count }, (_, j) =>
      publishBody(this.log.base + first + j, now, payloadBytes, event(first + j)),
    );
    const body = this.publication.perRequest === 1 ? (bodies[0] ?? "") : `{"messages":[${bodies.join(",")}]}`;
    const t0 = performance.now();
    this.log.sendTimes.fill(t0, first, first + count);
    try {
      const res = await fetch(this.url, {
        method: "POST",
        headers: this.target.publishHeaders,
        body,
        signal: AbortSignal.timeout(PUBLISH_TIMEOUT_MS),
      });
      const text = await res.text();
      this.stats.responseMs.push(performance.now() - t0);
      if (res.ok) {
        this.stats.ok++;
        for (const m of text.matchAll(/"delivered":(\d+)/g)) this.stats.reportedDelivered += Number(m[1]);
      } else this.fail(`HTTP ${res.status} ${text.slice(0, 120)}`);
    } catch (err) {
      this.fail(String(err));
    } finally {
      this.inFlight--;
    }
  }

  private fail(reason: string): void {
    this.stats.failures[reason] = (this.stats.failures[reason] ?? 0) + 1;
  }
}

/** Open loop: publish k goes out at start + k/rate whatever the answers, so latency is not hidden by back-pressure. */
export async function publishAtRate(
  target: RunningTarget,
  room: string,
  log: DeliveryLog,
  publication: Publication,
  rate: number,
): Promise<PublishStats> {
  const p = new Publisher(target, room, log, publication);
  const pending: Promise<void>[] = [];
  const start = performance.now();
  for (let k = 0; k < log.messages; k++) {
    const wait = start + (k * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    while (p.inFlight >= RATE_MAX_IN_FLIGHT) await sleep(1);
    pending.push(p.publish(k, 1));
  }
  await Promise.all(pending);
  p.stats.wallMs = performance.now() - start;
  return p.stats;
}

/** Closed loop: `inFlight` publishers, each sending its next request as soon as the last is answered. */
export async function publishSaturated(
  target: RunningTarget,
  room: string,
  log: DeliveryLog,
  publication: Publication,
  inFlight: number,
): Promise<PublishStats> {
  const p = new Publisher(target, room, log, publication);
  const per = publication.perRequest;
  let next = 0;
  const start = performance.now();
  const worker = async () => {
    while (next < log.messages) {
      const first = next;
      next = Math.min(log.messages, first + per);
      await p.publish(first, next - first);
    }
  };
  const requests = Math.ceil(log.messages / per);
  await Promise.all(Array.from({ length: Math.min(inFlight, requests) }, worker));
  p.stats.wallMs = performance.now() - start;
  return p.stats;
}
