// Opening many measured sockets: connect latency and rate, server CPU per connect, and the memory
// each open socket costs (tree RSS by process, and the isolate's JS heap after a full GC).
import { randomUUID } from "node:crypto";
import type WebSocket from "ws";
import { type Summary, summarizeList } from "../../scripts/lib/percentiles.ts";
import { isolateHeapUsed } from "../harness/inspector.ts";
import { foreignCores, markLoad } from "../harness/machine-load.ts";
import type { BenchOptions } from "../harness/options.ts";
import { cpuByRole, rssGrowthByRole, sampleTree } from "../harness/proc-tree.ts";
import { sleep } from "../harness/processes.ts";
import { count as round, step } from "../harness/progress.ts";
import type { RunningTarget } from "../harness/targets.ts";
import { FrameSink } from "./deliveries.ts";
import { type PhasePlan, runPhase } from "./phases.ts";
import { singlePublishes } from "./publish.ts";
import { closeAll, connectSubscribers, type SubscriberQuery } from "./sockets.ts";

/** Lets the server finish accepting before memory is read. */
export const SETTLE_MS = 1_000;

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
  /** Sockets on which the server accepted the client's offer of permessage-deflate. */
  deflateNegotiated: number;
  /** Cores' worth of CPU that processes outside the benchmark used while connecting (noise). */
  otherCores: number;
  /**
   * The Worker isolate's JS heap after a full GC, per socket (wrangler targets). RSS also holds
   * garbage the connect path left behind and memory outside V8; this is what the sockets retain.
   */
  jsHeapBytesPerSocket?: number;
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
  await runPhase({ target, room: r, subscribers: 1, sink }, plan, 0);
  closeAll(sockets);
  await sleep(SETTLE_MS);
}

const perSocket = (byRole: Record<string, number>, factor: number) =>
  Object.fromEntries(Object.entries(byRole).map(([role, v]) => [role, v * factor]));

/** `count` sockets of `target` to `room`, their frames to `sink`; `label` names the step in progress lines. */
export type OpenPlan = {
  target: RunningTarget;
  room: string;
  count: number;
  options: BenchOptions;
  sink: FrameSink;
  label?: string;
  query?: SubscriberQuery;
};

async function openMeasured(plan: OpenPlan): Promise<{ result: ConnectResult; sockets: WebSocket[] }> {
  const { target, room: r, count, options, sink, query } = plan;
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
      deflateNegotiated: c.deflated,
      otherCores,
      ...(heapBefore !== undefined && heapOpen !== undefined
        ? { jsHeapBytesPerSocket: (heapOpen - heapBefore) / Math.max(1, opened) }
        : {}),
    },
  };
}

/** Opens the plan's measured sockets, with progress lines. */
export function openStep(plan: OpenPlan): Promise<{ result: ConnectResult; sockets: WebSocket[] }> {
  return step(
    plan.target.name,
    `${plan.label ?? ""}open ${plan.count} sockets`,
    () => openMeasured(plan),
    (o) => connectFigure(o.result),
  );
}

/** Wakes the isolate, then opens the plan's measured sockets, with progress lines. */
export async function warmAndOpen(plan: OpenPlan): Promise<{ result: ConnectResult; sockets: WebSocket[] }> {
  await step(
    plan.target.name,
    "warm-up",
    () => warmIsolate(plan.target, plan.options),
    () => "server warmed up",
  );
  return openStep(plan);
}

export function connectFigure(c: ConnectResult): string {
  const kb = (c.bytesPerSocket / 1024).toFixed(1);
  return `${round(c.sockets)} open, ${c.failures} failed, ${round(c.perSecond)}/s, ${kb} KB RSS per socket`;
}

export async function runConnect(target: RunningTarget, options: BenchOptions): Promise<ConnectResult> {
  const sink = new FrameSink();
  const opened = await warmAndOpen({ target, room: room(), count: options.connectSockets, options, sink });
  closeAll(opened.sockets);
  return opened.result;
}
