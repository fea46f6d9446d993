// Pure arithmetic over what the load tests' clients recorded: delivery checks and latency figures.
import type { Summary } from "../../../scripts/lib/percentiles.ts";
import type { LoadSocket } from "./load-clients.ts";

export type DeliveryCheck = {
  sockets: number;
  expected: number;
  received: number;
  lost: number;
  duplicated: number;
  /** Sockets whose messages did not arrive in ascending seq order. */
  outOfOrder: number;
  /** Messages a socket received that no 202 answer accounted for. */
  unexpected: number;
  /** Of those, up to `unconfirmed` per socket: publishes whose answer never came (the client gave up waiting). */
  unconfirmed: number;
  /** Up to a few examples, for the failure message. */
  samples: string[];
};

const MAX_SAMPLES = 5;

/**
 * Compares what each socket got (messages with `event`) against the seqs the publisher was
 * acknowledged: every one exactly once, in order, nothing else — except up to `unconfirmed` per
 * socket, the number of publishes whose answer the publisher stopped waiting for.
 */
export function checkDeliveries(
  sockets: readonly LoadSocket[],
  event: string,
  acked: readonly number[],
  unconfirmed = 0,
): DeliveryCheck {
  const want = new Set(acked);
  const check: DeliveryCheck = {
    sockets: sockets.length,
    expected: acked.length * sockets.length,
    received: 0,
    lost: 0,
    duplicated: 0,
    outOfOrder: 0,
    unexpected: 0,
    unconfirmed: 0,
    samples: [],
  };
  const sample = (s: string) => {
    if (check.samples.length < MAX_SAMPLES) check.samples.push(s);
  };
  for (const s of sockets) {
    const got = s.seqs(event);
    check.received += got.length;
    const seen = new Set<number>();
    let last = Number.NEGATIVE_INFINITY;
    let ordered = true;
    let strays = 0;
    for (const seq of got) {
      if (seen.has(seq)) {
        check.duplicated++;
        sample(`${s.sub}: seq ${seq} twice`);
      }
      seen.add(seq);
      if (!want.has(seq) && ++strays > unconfirmed) {
        check.unexpected++;
        sample(`${s.sub}: seq ${seq} was never acknowledged`);
      } else if (!want.has(seq)) check.unconfirmed++;
      if (seq <= last) ordered = false;
      last = seq;
    }
    if (!ordered) {
      check.outOfOrder++;
      sample(`${s.sub}: out of order`);
    }
    for (const seq of acked) {
      if (seen.has(seq)) continue;
      check.lost++;
      sample(`${s.sub}: seq ${seq} missing`);
    }
  }
  return check;
}

/** Publish→receive latencies (ms) of every message with `event` that carried `sentAt`. */
export function latencies(sockets: readonly LoadSocket[], event: string): number[] {
  const out: number[] = [];
  for (const s of sockets)
    for (const d of s.deliveries) if (d.event === event && d.sentAt !== undefined) out.push(d.receivedAt - d.sentAt);
  return out;
}

export const ms = (v: number): string => `${v.toFixed(1)} ms`;
export const fmtSpread = (s: Summary): string => `p50 ${ms(s.p50)}, p99 ${ms(s.p99)}, max ${ms(s.max)} (n=${s.count})`;
export const ratio = (a: number, b: number): string => (b > 0 ? `${(a / b).toFixed(2)}×` : "n/a");
