// Helpers shared by the hostile-input suites: a bounded worker pool, and the check that a healthy
// client received every accepted message exactly once, in seq order, as it was published.
import { type Frame, nextMessage, publishHttp, type TestSocket } from "../support/gateway.ts";
import type { Delivery } from "../support/hostile-corpus.ts";

/** A message the gateway accepted (202 or ack), with what its recipients must see when that is known. */
export type Published = { id: string; seq: number; label: string; delivers?: Delivery };

/** Runs `work` over `items` with at most `width` in flight. */
export async function inPool<T>(items: readonly T[], width: number, work: (item: T, index: number) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) await work(items[i] as T, i);
  };
  await Promise.all(Array.from({ length: width }, worker));
}

/** Everything wrong with what a client in a fresh room received, given what was published there. */
export function deliveryProblems(received: readonly Frame[], published: readonly Published[]): string[] {
  const problems: string[] = [];
  received.forEach((m, i) => {
    if (m.seq !== i + 1) problems.push(`message #${i + 1} has seq ${String(m.seq)}: a gap, a duplicate or disorder`);
  });
  const ids = received.map((m) => String(m.id));
  if (new Set(ids).size !== ids.length) problems.push("a message id arrived twice");
  const byId = new Map(received.map((m) => [String(m.id), m]));
  for (const p of published) {
    const m = byId.get(p.id);
    if (m === undefined) {
      problems.push(`never received ${p.label} (seq ${p.seq})`);
      continue;
    }
    if (m.seq !== p.seq) problems.push(`${p.label}: published as seq ${p.seq}, received as ${String(m.seq)}`);
    if (p.delivers === undefined) continue;
    if (m.event !== p.delivers.event) problems.push(`${p.label}: event ${JSON.stringify(m.event)} was altered`);
    const payloadJson = JSON.stringify(m.payload);
    if (payloadJson !== p.delivers.payloadJson)
      problems.push(`${p.label}: payload ${payloadJson.slice(0, 80)} is not ${p.delivers.payloadJson.slice(0, 80)}`);
  }
  const known = new Set(published.map((p) => p.id));
  for (const id of ids) if (!known.has(id)) problems.push(`received message ${id} that nobody published`);
  return problems;
}

/** Own property names of the built-in prototypes a pollution attack would touch. */
export function prototypeSnapshot(): string[][] {
  return [Object.prototype, Array.prototype, Function.prototype].map((p) => Object.getOwnPropertyNames(p).sort());
}

export const describeAnswer = (f: Frame | undefined): string =>
  f === undefined ? "no answer" : JSON.stringify(f).slice(0, 160);

/** Publishes legit message `n` over HTTP; the record to expect, or a problem to report. */
export async function publishLegit(room: string, credential: string, n: number): Promise<Published | string> {
  const res = await publishHttp(room, credential, { event: "legit", payload: { n } });
  if (res.status !== 202) return `legit publish ${n} answered ${res.status} ${await res.text()}`;
  return {
    ...(await res.json<{ id: string; seq: number }>()),
    label: `legit ${n}`,
    delivers: { event: "legit", payloadJson: JSON.stringify({ n }) },
  };
}

/** Up to `count` messages, stopping early when none arrives within `timeoutMs`. */
export async function receiveAll(socket: TestSocket, count: number, timeoutMs: number): Promise<Frame[]> {
  const received: Frame[] = [];
  for (let i = 0; i < count; i++) {
    const m = await nextMessage(socket, timeoutMs).catch(() => undefined);
    if (m === undefined) break;
    received.push(m);
  }
  return received;
}
