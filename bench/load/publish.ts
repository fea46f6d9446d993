// Publishers: requests carrying the send time and a sequence number, paced (rate) or as fast as a
// fixed number in flight allows (saturate), one message per request or (the gateway's
// `POST …/messages/batch`) up to 100. A channel carries each request: HTTP to the target, or a
// publishing socket (load/socket-publisher.ts). Each publish records its send time before the
// request; every message of a batch request has that request's send time.
import { boundedFetch } from "../harness/bounded-fetch.ts";
import { sleep } from "../harness/processes.ts";
import type { RunningTarget } from "../harness/targets.ts";
import type { DeliveryLog } from "./deliveries.ts";
import { DEFAULT_EVENT, type Fill, publishBody } from "./payloads.ts";

const PUBLISH_TIMEOUT_MS = 30_000;
/** Rate mode is open-loop; this only bounds memory and sockets if the server stalls. */
const RATE_MAX_IN_FLIGHT = 256;

/** What each request carries: how many messages, how large and how filled, message k's event, and how it travels. */
export type Publication = {
  payloadBytes: number;
  /** 1: one message a request; more: the gateway's batch route, this many messages per request. */
  perRequest: number;
  event: (k: number) => string;
  fill: Fill;
  /** `socket`: a publish frame on the session's publishing socket (gateway targets, one message a frame). */
  via: "http" | "socket";
};

export const singlePublishes = (payloadBytes: number, fill: Fill = "pad"): Publication => ({
  payloadBytes,
  perRequest: 1,
  event: () => DEFAULT_EVENT,
  fill,
  via: "http",
});

/** The server's answer to one request: how many sockets it wrote to, or why it failed. */
export type Answer = { ok: true; delivered: number } | { ok: false; failure: string };
/** Sends one request carrying `bodies` (each `{"event","payload"}`). */
export type Channel = (bodies: readonly string[]) => Promise<Answer>;

/** `POST …/messages` (one body) or `POST …/messages/batch` (several) to the target. */
export function httpChannel(target: RunningTarget, room: string, perRequest: number): Channel {
  const url = perRequest === 1 ? target.publishUrl(room) : target.batchPublishUrl?.(room);
  if (url === undefined) throw new Error(`${target.name} has no batch publish`);
  return async (bodies) => {
    try {
      const body = perRequest === 1 ? (bodies[0] ?? "") : `{"messages":[${bodies.join(",")}]}`;
      const init = { method: "POST", headers: target.publishHeaders, body };
      const res = await boundedFetch(url, init, PUBLISH_TIMEOUT_MS);
      const { text } = res;
      if (!res.ok) return { ok: false, failure: `HTTP ${res.status} ${text.slice(0, 120)}` };
      let delivered = 0;
      for (const m of text.matchAll(/"delivered":(\d+)/g)) delivered += Number(m[1]);
      return { ok: true, delivered };
    } catch (err) {
      return { ok: false, failure: String(err) };
    }
  };
}

export type PublishStats = {
  /** Requests sent and answered 2xx (or acked). */
  sent: number;
  ok: number;
  /** Messages those requests carried. */
  messages: number;
  /** Failed answers and transport errors, by status or error text. */
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
  private readonly send: Channel;
  private readonly log: DeliveryLog;
  private readonly publication: Publication;

  constructor(send: Channel, log: DeliveryLog, publication: Publication) {
    this.send = send;
    this.log = log;
    this.publication = publication;
  }

  /** Messages `first` … `first + count - 1` in one request. */
  async publish(first: number, count: number): Promise<void> {
    this.inFlight++;
    this.stats.sent++;
    this.stats.messages += count;
    const { payloadBytes, event, fill } = this.publication;
    const now = Date.now();
    const bodies = Array.from({ length: count }, (_, j) =>
      publishBody(this.log.base + first + j, now, payloadBytes, event(first + j), fill),
    );
    const t0 = performance.now();
    this.log.sendTimes.fill(t0, first, first + count);
    const answer = await this.send(bodies);
    this.stats.responseMs.push(performance.now() - t0);
    if (answer.ok) {
      this.stats.ok++;
      this.stats.reportedDelivered += answer.delivered;
    } else this.stats.failures[answer.failure] = (this.stats.failures[answer.failure] ?? 0) + 1;
    this.inFlight--;
  }
}

/**
 * Open loop: publish k goes out at start + k/rate whatever the answers, so latency is not hidden by
 * back-pressure. Stops after the log's messages, or earlier once `stop()` says so.
 */
export async function publishAtRate(
  send: Channel,
  log: DeliveryLog,
  publication: Publication,
  rate: number,
  stop: () => boolean = () => false,
): Promise<PublishStats> {
  const p = new Publisher(send, log, publication);
  const pending: Promise<void>[] = [];
  const start = performance.now();
  for (let k = 0; k < log.messages && !stop(); k++) {
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
  send: Channel,
  log: DeliveryLog,
  publication: Publication,
  inFlight: number,
): Promise<PublishStats> {
  const p = new Publisher(send, log, publication);
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
