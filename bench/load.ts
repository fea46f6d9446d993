// The load generator's two sessions against one running target: fan-out (open N sockets of one kind,
// then the phases that publish to them; bench/sessions.ts) and connect (open many sockets; connect
// rate and memory per socket).
import { randomUUID } from "node:crypto";
import type WebSocket from "ws";
import { FrameSink } from "./deliveries.ts";
import { isolateHeapUsed } from "./inspector.ts";
import { foreignCores, markLoad } from "./machine-load.ts";
import type { BenchOptions } from "./options.ts";
import { type PhasePlan, type PhaseResult, runPhase } from "./phases.ts";
import { cpuByRole, rssGrowthByRole, sampleTree } from "./proc-tree.ts";
import { sleep } from "./processes.ts";
import { connectFigure, phaseFigure, step } from "./progress.ts";
import { singlePublishes } from "./publish.ts";
import { layoutMismatch, type RoomLayout } from "./room-layout.ts";
import { planOf, type Session, type SocketKind, subscriberQuery, subscribersOf } from "./sessions.ts";
import { closeAll, connectSubscribers, type SubscriberQuery } from "./sockets.ts";
import { type Summary, summarizeList } from "./stats.ts";
import type { RunningTarget } from "./targets.ts";

/** Lets the server finish accepting before memory is read. */
const SETTLE_MS = 1_000;
const WARMUP_MESSAGES = 20;

export type ConnectResult = {
  sockets: number;
  failures: number;
  failureSamples: string[];
  connectMs: Summary;
  /** Sockets opened per second over the whole connect phase. */
  perSecond: number;
  serverCpuMsPerConnect: number;
  /** The same by process role: the runtime workerd (Worker and objects) against wrangler's dev-only processes. */
  serverCpuMsPerConnectByRole: Record<string, number>;
  /** Tree RSS before the first socket and with every socket open. */
  rssBeforeBytes: number;
  rssOpenBytes: number;
  bytesPerSocket: number;
  /** Which process the memory went to: wrangler's proxy or the runtime (or node for bare ws). */
  bytesPerSocketByRole: Record<string, number>;
  /** Cores' worth of CPU that processes outside the benchmark used while connecting (noise). */
  otherCores: number;
  /**
   * The Worker isolate's JS heap after a full GC, per socket (wrangler targets). RSS also holds
   * garbage the connect path left behind and memory outside V8; this is what the sockets retain.
   */
  jsHeapBytesPerSocket?: number;
};

export type FanoutResult = {
  /** How the session's subscribers connected (plain, `?batch=1`, filtered). */
  sockets: SocketKind;
  connect: ConnectResult;
  /** Gateway targets: the room's sockets per shard (one entry when unsharded), as the room reported them. */
  shards?: RoomLayout["shards"];
  phases: PhaseResult[];
  otherFrames: number;
  /** Subscriber sockets that closed before the benchmark ended them, by close code and reason. */
  unexpectedCloses: Record<string, number>;
  /** The server's last log lines, kept when something was lost, duplicated or closed. */
  serverLogTail?: string;
};

/** Read after RSS, with no load running: an attached inspector slows the isolate. */
async function heapUsed(target: RunningTarget): Promise<number | undefined> {
  return target.inspectorPort === undefined ? undefined : isolateHeapUsed(target.inspectorPort);
}

export const room = () => `bench-${randomUUID()}`;

/**
 * Wakes the isolate (config parsed, keys imported) with one socket in a throwaway room, so the
 * measured connects and the "before" memory do not include start-up.
 */
export async function warmIsolate(target: RunningTarget, options: BenchOptions): Promise<void> {
  const sink = new FrameSink();
  const r = room();
  const { sockets, failures } = await connectSubscribers(target, r, 1, 1, sink);
  if (failures.length > 0) throw new Error(`${target.name}: warm-up connect failed: ${failures.join("; ")}`);
  const plan: PhasePlan = {
    name: "warmup",
    phase: { kind: "warmup", inFlight: 1 },
    messages: 3,
    publication: singlePublishes(options.payloadBytes),
  };
  await runPhase(target, r, 1, plan, sink, 0);
  closeAll(sockets);
  await sleep(SETTLE_MS);
}

const perSocket = (byRole: Record<string, number>, factor: number) =>
  Object.fromEntries(Object.entries(byRole).map(([role, v]) => [role, v * factor]));

async function openMeasured(
  target: RunningTarget,
  r: string,
  count: number,
  options: BenchOptions,
  sink: FrameSink,
  query: SubscriberQuery | undefined,
): Promise<{ result: ConnectResult; sockets: WebSocket[] }> {
  const before = sampleTree(target.pid, target.port);
  // RSS first both times: the snapshot's GC would otherwise shrink only the "before" figure.
  const heapBefore = await heapUsed(target);
  // CPU from after the snapshot, which costs the runtime CPU of its own.
  const cpuBefore = sampleTree(target.pid, target.port);
  const loadBefore = markLoad();
  const c = await connectSubscribers(target, r, count, options.connectConcurrency, sink, query);
  const afterConnect = sampleTree(target.pid, target.port);
  const otherCores = foreignCores(loadBefore, markLoad());
  await sleep(SETTLE_MS);
  const open = sampleTree(target.pid, target.port);
  const opened = c.sockets.length;
  const heapOpen = await heapUsed(target);
  return {
    sockets: c.sockets,
    result: {
      sockets: opened,
      failures: c.failures.length,
      failureSamples: [...new Set(c.failures)].slice(0, 5),
      connectMs: summarizeList(c.connectMs),
      perSecond: opened / (c.wallMs / 1000),
      serverCpuMsPerConnect: ((afterConnect.cpuSeconds - cpuBefore.cpuSeconds) * 1000) / Math.max(1, opened),
      serverCpuMsPerConnectByRole: perSocket(cpuByRole(cpuBefore, afterConnect), 1000 / Math.max(1, opened)),
      rssBeforeBytes: before.rssBytes,
      rssOpenBytes: open.rssBytes,
      bytesPerSocket: (open.rssBytes - before.rssBytes) / Math.max(1, opened),
      bytesPerSocketByRole: perSocket(rssGrowthByRole(before, open), 1 / Math.max(1, opened)),
      otherCores,
      ...(heapBefore !== undefined && heapOpen !== undefined
        ? { jsHeapBytesPerSocket: (heapOpen - heapBefore) / Math.max(1, opened) }
        : {}),
    },
  };
}

/** Opens `count` measured sockets to room `r`, with progress lines; `label` names the step. */
export function openStep(
  target: RunningTarget,
  r: string,
  count: number,
  options: BenchOptions,
  sink: FrameSink,
  label = "",
  query?: SubscriberQuery,
): Promise<{ result: ConnectResult; sockets: WebSocket[] }> {
  return step(
    target.name,
    `${label}open ${count} sockets`,
    () => openMeasured(target, r, count, options, sink, query),
    (o) => connectFigure(o.result),
  );
}

/** Wakes the isolate, then opens `count` measured sockets to room `r`, with progress lines. */
async function warmAndOpen(
  target: RunningTarget,
  r: string,
  count: number,
  options: BenchOptions,
  sink: FrameSink,
  sockets: SocketKind = "v1",
) {
  await step(
    target.name,
    "warm-up",
    () => warmIsolate(target, options),
    () => "server warmed up",
  );
  const label = sockets === "v1" ? "" : `${sockets} `;
  return openStep(target, r, count, options, sink, label, subscriberQuery(sockets));
}

/**
 * Throws unless the gateway put room `r`'s sockets where its users hash to: the proof that a
 * sharded target is sharded (a `--var` that did not apply would pass for a free hop).
 */
export async function checkLayout(target: RunningTarget, r: string, sockets: number): Promise<RoomLayout | undefined> {
  if (target.rooms === undefined) return undefined;
  const { rooms } = target;
  const shards = new Set(Array.from({ length: sockets }, (_, k) => rooms.shardOf(k))).size;
  const layout = await rooms.layout(r);
  const why = layoutMismatch(layout, sockets, shards);
  if (why !== undefined) throw new Error(`${target.name} (ROOM_SHARDS ${rooms.shards}): ${why}`);
  return layout;
}

/**
 * Warm-up publishes, then each phase in order, to the `n` open sockets of room `r`. Each phase
 * numbers its payloads from its own base (a million apart), so late frames are never miscounted.
 */
export async function publishPhases(
  target: RunningTarget,
  r: string,
  n: number,
  plans: readonly PhasePlan[],
  sink: FrameSink,
  label = "",
): Promise<PhaseResult[]> {
  const first = plans[0];
  if (first === undefined) return [];
  // Warm-up publishes in the measured room, one at a time with the first phase's events (so
  // filtered subscribers get theirs): the delivery path is JIT-compiled before timing.
  const warmup: PhasePlan = {
    ...first,
    name: "warmup",
    phase: { kind: "warmup", inFlight: 1 },
    messages: WARMUP_MESSAGES,
    publication: { ...first.publication, perRequest: 1 },
  };
  await runPhase(target, r, n, warmup, sink, 0);
  const results: PhaseResult[] = [];
  let base = 1_000_000;
  for (const plan of plans) {
    const { phase, messages, publication } = plan;
    const offered = phase.kind === "rate" ? `at ${phase.rate}/s` : `${phase.inFlight} requests in flight`;
    const per = publication.perRequest === 1 ? "" : `, ${publication.perRequest} per request`;
    results.push(
      await step(
        target.name,
        `${label}${plan.name} phase (${messages} messages ${offered}${per} to ${n} sockets)`,
        () => runPhase(target, r, n, plan, sink, base),
        phaseFigure,
      ),
    );
    base += 1_000_000;
  }
  return results;
}

/** Whether anything was lost, duplicated, misdelivered, stray or closed: then the server's log tail is kept. */
export function anomalous(sink: FrameSink, phases: readonly PhaseResult[]): boolean {
  return (
    Object.keys(sink.closes).length > 0 ||
    phases.some((p) => p.lost > 0 || p.duplicates > 0 || p.wrong > 0 || (p.outOfOrder ?? 0) > 0 || p.strays > 0)
  );
}

export async function runFanout(target: RunningTarget, options: BenchOptions, session: Session): Promise<FanoutResult> {
  const sink = new FrameSink();
  const r = room();
  const opened = await warmAndOpen(target, r, subscribersOf(session.sockets, options), options, sink, session.sockets);
  try {
    const layout = await checkLayout(target, r, opened.sockets.length);
    const plans = session.phases.map((name) => planOf(name, options));
    const results = await publishPhases(target, r, opened.sockets.length, plans, sink);
    return {
      sockets: session.sockets,
      connect: opened.result,
      ...(layout === undefined ? {} : { shards: layout.shards }),
      phases: results,
      otherFrames: sink.otherFrames,
      unexpectedCloses: sink.closes,
      ...(anomalous(sink, results) ? { serverLogTail: target.logs() } : {}),
    };
  } finally {
    closeAll(opened.sockets);
  }
}

export async function runConnect(target: RunningTarget, options: BenchOptions): Promise<ConnectResult> {
  const opened = await warmAndOpen(target, room(), options.connectSockets, options, new FrameSink());
  closeAll(opened.sockets);
  return opened.result;
}
