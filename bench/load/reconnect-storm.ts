// The reconnect storm: N sockets in one room, a publisher at a steady rate throughout, then every
// socket dropped at once (TCP torn down, no close frame: a network blip) and reconnected with
// `?since=<the last seq it handled>`, at most `--storm-concurrency` upgrades in flight. Measured: the
// time until every socket is connected and until every one is resumed (has every message up to its
// welcome's seq), the server's CPU over the storm beyond what the traffic alone costs, and the
// messages lost or duplicated across the seam, per socket and message, over the whole phase.

import type WebSocket from "ws";
import { type Summary, summarizeList } from "../../scripts/lib/percentiles.ts";
import { foreignCores, markLoad } from "../harness/machine-load.ts";
import type { BenchOptions } from "../harness/options.ts";
import { cpuByRole, sampleTree, type TreeSample } from "../harness/proc-tree.ts";
import { sleep } from "../harness/processes.ts";
import { step } from "../harness/progress.ts";
import type { RunningTarget } from "../harness/targets.ts";
import { room, warmAndOpen } from "./connect.ts";
import { DeliveryLog } from "./deliveries.ts";
import { checkLayout } from "./fanout.ts";
import { httpChannel, publishAtRate, singlePublishes } from "./publish.ts";
import { closeAll, connectSubscribers } from "./sockets.ts";
import { StormSink, type StormTracker } from "./storm-tracker.ts";

/** Traffic alone, before the drop: the CPU it costs per second is subtracted from the storm's. */
const BACKGROUND_MS = 3_000;
/** Upgrades a dropped socket tries before it gives up (a client would go on, with longer pauses). */
const RECONNECT_ATTEMPTS = 3;
/** Every socket must be resumed within this, or the storm is reported unfinished. */
const RESUME_LIMIT_MS = 150_000;
/** Publishing goes on this long after the last resume; then the phase drains. */
const AFTER_MS = 2_000;
const QUIET_MS = 2_000;
const DRAIN_LIMIT_MS = 30_000;
/** The publisher's upper bound in messages: rate × this many seconds (below the history's 1,000 at 5/s). */
const PUBLISH_LIMIT_S = 180;
const BASE = 1_000_000;

export type StormResult = {
  sockets: number;
  published: number;
  /** Drop → every socket open again, and → every socket resumed; NaN when some never were. */
  allConnectedMs: number;
  allResumedMs: number;
  /** Per socket, drop → welcome on the new connection, and → resumed. */
  welcomeMs: Summary;
  resumeMs: Summary;
  /** Failed upgrade attempts (each socket tries up to 3 times), and sockets that never got back in. */
  reconnectFailures: number;
  neverReconnected: number;
  failureSamples: string[];
  notResumed: number;
  notRecovered: number;
  lost: number;
  duplicates: number;
  outOfOrder: number | undefined;
  /** Server CPU from the drop to the last resume, whole tree and by role; and the traffic's rate before. */
  stormCpuSeconds: number;
  stormCpuByRole: Record<string, number>;
  backgroundCores: number;
  /** The storm's CPU beyond what the traffic would have cost over the same time, per reconnect. */
  cpuMsPerReconnect: number;
  otherCores: number;
  unexpectedCloses: Record<string, number>;
  serverLogTail?: string;
};

async function until(done: () => boolean, limitMs: number): Promise<void> {
  const deadline = performance.now() + limitMs;
  // Bounded by the deadline; polling costs the load generator, not the server.
  while (!done() && performance.now() < deadline) await sleep(20);
}

/** Waits until every socket has every published message, or nothing arrived for QUIET_MS (bounded). */
async function drain(log: DeliveryLog, published: number): Promise<void> {
  const deadline = performance.now() + DRAIN_LIMIT_MS;
  while (performance.now() < deadline && log.received < published * log.subscribers) {
    if (performance.now() - (Number.isNaN(log.lastReceiveAt) ? 0 : log.lastReceiveAt) > QUIET_MS) return;
    await sleep(20);
  }
}

const sinceDrop = (times: Float64Array, t0: number) =>
  Array.from(times, (t) => t - t0).filter((ms) => !Number.isNaN(ms));

function latest(times: Float64Array, t0: number): number {
  let last = t0;
  for (const t of times) last = Number.isNaN(t) ? Number.NaN : Math.max(last, t);
  return last - t0;
}

type Drop = { target: RunningTarget; room: string; options: BenchOptions; sink: StormSink; log: DeliveryLog };

/** Run just before the drop and once every socket is resumed (bench/profile.ts attaches its profiler). */
export type StormHooks = { atDrop?: () => Promise<void>; atResumed?: () => Promise<void> };

/** Drops every socket and reconnects each from its last seq; resolves once all are resumed (or the limit). */
async function storm(d: Drop, old: readonly WebSocket[]) {
  const { target, room: r, options, sink, log } = d;
  const tracker: StormTracker = sink.tracker;
  const t0 = performance.now();
  closeAll(old);
  // Frames the old sockets had already read are handled before each one's last seq is taken.
  await sleep(0);
  const since = Array.from({ length: tracker.sockets }, (_, k) => Math.max(0, log.seqOf(k)));
  tracker.armed = true;
  const query = (k: number) => `since=${since[k]}`;
  const n = tracker.sockets;
  const reconnected = await connectSubscribers(target, r, n, options.stormConcurrency, sink, query, RECONNECT_ATTEMPTS);
  await until(() => tracker.resumed >= tracker.sockets, Math.max(0, RESUME_LIMIT_MS - (performance.now() - t0)));
  return { t0, reconnected, end: performance.now() };
}

export async function runStorm(
  target: RunningTarget,
  options: BenchOptions,
  hooks: StormHooks = {},
): Promise<StormResult> {
  const n = options.stormSockets;
  const sink = new StormSink(n);
  const r = room();
  const opened = await warmAndOpen({ target, room: r, count: n, options, sink, label: "storm " });
  const open = [opened.sockets];
  try {
    if (opened.sockets.length !== n) throw new Error(`only ${opened.sockets.length} of ${n} sockets opened`);
    await checkLayout(target, r, n);
    const log = new DeliveryLog(n, options.stormRate * PUBLISH_LIMIT_S, BASE);
    sink.current = log;
    let stop = false;
    const send = httpChannel(target, r, 1);
    const publishing = publishAtRate(send, log, singlePublishes(options.payloadBytes), options.stormRate, () => stop);
    const bgBefore = sampleTree(target.pid, target.port);
    await sleep(BACKGROUND_MS);
    const bgAfter = sampleTree(target.pid, target.port);
    const backgroundCores = (bgAfter.cpuSeconds - bgBefore.cpuSeconds) / ((bgAfter.at - bgBefore.at) / 1000);
    await hooks.atDrop?.();
    const loadBefore = markLoad();
    const s = await step(
      target.name,
      `storm: drop ${n} sockets and reconnect them, ${options.stormConcurrency} at a time`,
      () => storm({ target, room: r, options, sink, log }, opened.sockets),
      (x) => `${sink.tracker.resumed} of ${n} resumed in ${((x.end - x.t0) / 1000).toFixed(1)} s`,
    );
    open.push(s.reconnected.sockets);
    const after = sampleTree(target.pid, target.port);
    const otherCores = foreignCores(loadBefore, markLoad());
    await hooks.atResumed?.();
    await sleep(AFTER_MS);
    stop = true;
    const stats = await publishing;
    await drain(log, stats.sent);
    return stormResult({ n, log, sink, stats, s, bgAfter, after, backgroundCores, otherCores, target });
  } finally {
    for (const sockets of open) closeAll(sockets);
  }
}

type Measured = {
  n: number;
  log: DeliveryLog;
  sink: StormSink;
  stats: { sent: number };
  s: { t0: number; end: number; reconnected: { sockets: readonly WebSocket[]; failures: string[] } };
  bgAfter: TreeSample;
  after: TreeSample;
  backgroundCores: number;
  otherCores: number;
  target: RunningTarget;
};

function stormResult(m: Measured): StormResult {
  const { n, log, sink, s } = m;
  const { tracker } = sink;
  const stormCpuSeconds = m.after.cpuSeconds - m.bgAfter.cpuSeconds;
  const stormSeconds = (m.after.at - m.bgAfter.at) / 1000;
  const reconnects = s.reconnected.sockets.length;
  // Messages missing on the sockets that did get back in: a socket that never did cannot have them.
  const lost = log.lost(m.stats.sent, (k) => !Number.isNaN(tracker.welcomedAt[k] ?? Number.NaN));
  const faults = lost > 0 || log.duplicates > 0 || tracker.resumed < n || Object.keys(sink.closes).length > 0;
  return {
    sockets: n,
    published: m.stats.sent,
    allConnectedMs: latest(tracker.welcomedAt, s.t0),
    allResumedMs: latest(tracker.resumedAt, s.t0),
    welcomeMs: summarizeList(sinceDrop(tracker.welcomedAt, s.t0)),
    resumeMs: summarizeList(sinceDrop(tracker.resumedAt, s.t0)),
    reconnectFailures: s.reconnected.failures.length,
    neverReconnected: n - reconnects,
    failureSamples: [...new Set(s.reconnected.failures)].slice(0, 5),
    notResumed: n - tracker.resumed,
    notRecovered: tracker.notRecovered,
    lost,
    duplicates: log.duplicates,
    outOfOrder: log.seqSeen ? log.outOfOrder : undefined,
    stormCpuSeconds,
    stormCpuByRole: cpuByRole(m.bgAfter, m.after),
    backgroundCores: m.backgroundCores,
    cpuMsPerReconnect: ((stormCpuSeconds - m.backgroundCores * stormSeconds) * 1000) / Math.max(1, reconnects),
    otherCores: m.otherCores,
    unexpectedCloses: sink.closes,
    ...(faults ? { serverLogTail: m.target.logs() } : {}),
  };
}
