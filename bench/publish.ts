// Publishers: HTTP POSTs carrying the send time and a sequence number, paced (rate) or as fast as
// a fixed number in flight allows (saturate). Each publish records its send time before the request.
import type { DeliveryLog } from "./deliveries.ts";
import { sleep } from "./processes.ts";
import type { RunningTarget } from "./targets.ts";

const PUBLISH_TIMEOUT_MS = 30_000;
/** Rate mode is open-loop; this only bounds memory and sockets if the server stalls. */
const RATE_MAX_IN_FLIGHT = 256;

/** `{"event":"bench","payload":{"i":…,"t":…,"pad":"x…"}}` with the payload exactly `bytes` long when it can be. */
export function publishBody(i: number, t: number, bytes: number): string {
  const bare = `{"i":${i},"t":${t},"pad":""}`;
  const pad = "x".repeat(Math.max(0, bytes - bare.length));
  return `{"event":"bench","payload":{"i":${i},"t":${t},"pad":"${pad}"}}`;
}

export type PublishStats = {
  sent: number;
  ok: number;
  /** Non-2xx answers and transport errors, by status or error text. */
  failures: Record<string, number>;
  /** Sum of the servers' `delivered` answers. */
  reportedDelivered: number;
  /** Milliseconds from sending each publish to its answer. */
  responseMs: number[];
  wallMs: number;
};

class Publisher {
  readonly stats: PublishStats = { sent: 0, ok: 0, failures: {}, reportedDelivered: 0, responseMs: [], wallMs: 0 };
  inFlight = 0;
  private readonly target: RunningTarget;
  private readonly room: string;
  private readonly log: DeliveryLog;
  private readonly payloadBytes: number;

  constructor(target: RunningTarget, room: string, log: DeliveryLog, payloadBytes: number) {
    this.target = target;
    this.room = room;
    this.log = log;
    this.payloadBytes = payloadBytes;
  }

  async publish(k: number): Promise<void> {
    this.inFlight++;
    this.stats.sent++;
    const body = publishBody(this.log.base + k, Date.now(), this.payloadBytes);
    const t0 = performance.now();
    this.log.sendTimes[k] = t0;
    try {
      const res = await fetch(this.target.publishUrl(this.room), {
        method: "POST",
        headers: this.target.publishHeaders,
        body,
        signal: AbortSignal.timeout(PUBLISH_TIMEOUT_MS),
      });
      const text = await res.text();
      this.stats.responseMs.push(performance.now() - t0);
      if (res.ok) {
        this.stats.ok++;
        const m = /"delivered":(\d+)/.exec(text);
        this.stats.reportedDelivered += Number(m?.[1] ?? 0);
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
  payloadBytes: number,
  rate: number,
): Promise<PublishStats> {
  const p = new Publisher(target, room, log, payloadBytes);
  const pending: Promise<void>[] = [];
  const start = performance.now();
  for (let k = 0; k < log.messages; k++) {
    const wait = start + (k * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    while (p.inFlight >= RATE_MAX_IN_FLIGHT) await sleep(1);
    pending.push(p.publish(k));
  }
  await Promise.all(pending);
  p.stats.wallMs = performance.now() - start;
  return p.stats;
}

/** Closed loop: `inFlight` publishers, each sending its next message as soon as the last is answered. */
export async function publishSaturated(
  target: RunningTarget,
  room: string,
  log: DeliveryLog,
  payloadBytes: number,
  inFlight: number,
): Promise<PublishStats> {
  const p = new Publisher(target, room, log, payloadBytes);
  let next = 0;
  const start = performance.now();
  const worker = async () => {
    for (let k = next++; k < log.messages; k = next++) await p.publish(k);
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, log.messages) }, worker));
  p.stats.wallMs = performance.now() - start;
  return p.stats;
}
