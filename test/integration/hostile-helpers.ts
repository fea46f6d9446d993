// Helpers shared by the hostile-input suites: a bounded worker pool, and the check that a healthy
// client received every accepted message exactly once, in seq order, as it was published.
import { expect } from "vitest";
import {
  connect,
  type Frame,
  freshRoom,
  nextMessage,
  publishHttp,
  request,
  type TestSocket,
} from "../support/gateway.ts";
import type { Delivery } from "../support/hostile-corpus.ts";
import { signToken, uniqueSub } from "../support/tokens.ts";

/** A message the gateway accepted (202 or ack), with what its recipients must see when that is known. */
export type Published = { id: string; seq: number; label: string; delivers?: Delivery };

/** Runs `work` over `items` with at most `width` in flight. */
async function inPool<T>(items: readonly T[], width: number, work: (item: T, index: number) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) await work(items[i] as T, i);
  };
  await Promise.all(Array.from({ length: width }, worker));
}

/** Everything wrong with what a client in a fresh room received, given what was published there. */
function deliveryProblems(received: readonly Frame[], published: readonly Published[]): string[] {
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
function prototypeSnapshot(): string[][] {
  return [Object.prototype, Array.prototype, Function.prototype].map((p) => Object.getOwnPropertyNames(p).sort());
}

export const describeAnswer = (f: Frame | undefined): string =>
  f === undefined ? "no answer" : JSON.stringify(f).slice(0, 160);

/**
 * The token for request `n`: one per group of `perSub` requests, so no `sub` goes over its rate
 * limits, each signed on first use.
 */
export function tokenPerGroup(scope: string, perSub: number): (n: number) => Promise<string> {
  const cache = new Map<number, Promise<string>>();
  return (n) => {
    const group = Math.floor(n / perSub);
    let token = cache.get(group);
    if (token === undefined) {
      token = signToken({ sub: uniqueSub(`hostile-${scope.replace(" ", "-")}`), scope });
      cache.set(group, token);
    }
    return token;
  };
}

/** Publishes legit message `n` over HTTP; the record to expect, or a problem to report. */
async function publishLegit(room: string, credential: string, n: number): Promise<Published | string> {
  const res = await publishHttp(room, credential, { event: "legit", payload: { n } });
  if (res.status !== 202) return `legit publish ${n} answered ${res.status} ${await res.text()}`;
  return {
    ...(await res.json<{ id: string; seq: number }>()),
    label: `legit ${n}`,
    delivers: { event: "legit", payloadJson: JSON.stringify({ n }) },
  };
}

/** Up to `count` messages, stopping early when none arrives within `timeoutMs`. */
async function receiveAll(socket: TestSocket, count: number, timeoutMs: number): Promise<Frame[]> {
  const received: Frame[] = [];
  for (let i = 0; i < count; i++) {
    const m = await nextMessage(socket, timeoutMs).catch(() => undefined);
    if (m === undefined) break;
    received.push(m);
  }
  return received;
}

/** What one unit of corpus work found wrong, and the messages it got the gateway to accept. */
export type Outcome = { problems: string[]; published: Published[] };

/** Legitimate HTTP publishes per publisher `sub`, well under PUBLISH_LIMITER's 100 per 10 s. */
const PUBLISHES_PER_SUB = 50;

export type CorpusRun<T> = {
  items: readonly T[];
  /** Units of work in flight at once. */
  width: number;
  /** Whether a legitimate publish follows item `i`. */
  legitAfter: (i: number) => boolean;
  work: (room: string, item: T, i: number) => Promise<Outcome>;
  receiveMs: number;
};

/**
 * Runs a corpus against a fresh room that a healthy client joined first, publishing legitimate
 * messages in between, then checks the room came through intact: no problem was found, the
 * healthy client received exactly what was published, nothing else is queued (the next publish is
 * the next seq it sees), the gateway still serves, a late client joins at the room's last seq, and
 * no built-in prototype changed.
 */
export async function runCorpus<T>(
  run: CorpusRun<T>,
): Promise<{ published: Published[]; received: Frame[]; legit: number }> {
  const prototypesBefore = prototypeSnapshot();
  const room = freshRoom();
  const healthy = (await connect(room, await signToken({ sub: uniqueSub("healthy") }))).socket;
  const publisher = tokenPerGroup("publish", PUBLISHES_PER_SUB);
  const problems: string[] = [];
  const published: Published[] = [];
  let legit = 0;

  await inPool(run.items, run.width, async (item, i) => {
    const outcome = await run.work(room, item, i);
    problems.push(...outcome.problems);
    published.push(...outcome.published);
    if (!run.legitAfter(i)) return;
    const n = legit++;
    const legitOutcome = await publishLegit(room, await publisher(n), n);
    if (typeof legitOutcome === "string") problems.push(legitOutcome);
    else published.push(legitOutcome);
  });

  expect(problems).toEqual([]);
  const received = await receiveAll(healthy, published.length, run.receiveMs);
  expect(deliveryProblems(received, published)).toEqual([]);
  expect(received).toHaveLength(published.length);

  const last = await publishHttp(room, await publisher(legit), { event: "sentinel", payload: null });
  const { seq } = await last.json<{ seq: number }>();
  expect(seq).toBe(published.length + 1);
  expect(await nextMessage(healthy)).toMatchObject({ event: "sentinel", seq });
  expect(healthy.closed).toBeUndefined();

  expect((await request("/health")).status).toBe(200);
  const { welcome } = await connect(room, await signToken({ sub: uniqueSub("late") }));
  expect(welcome.seq).toBe(seq);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(prototypeSnapshot()).toEqual(prototypesBefore);
  return { published, received, legit };
}
