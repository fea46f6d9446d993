// One measured publish phase: publish M messages to N open sockets, wait for them to arrive, and
// turn the bookkeeping and the /proc samples into figures.
import { type Summary, summarize, summarizeList } from "../../scripts/lib/percentiles.ts";
import { foreignCores, markLoad } from "../harness/machine-load.ts";
import { cpuByRole, sampleTree } from "../harness/proc-tree.ts";
import { sleep } from "../harness/processes.ts";
import { count as round } from "../harness/progress.ts";
import type { RunningTarget } from "../harness/targets.ts";
import { DeliveryLog, type FrameSink, type Wants } from "./deliveries.ts";
import {
  type Channel,
  httpChannel,
  type Publication,
  type PublishStats,
  publishAtRate,
  publishSaturated,
} from "./publish.ts";

/** A phase ends this long after its last delivery once every publish is answered. */
const QUIET_MS = 2_000;
/** And never later than this after its last publish is answered. */
const DRAIN_LIMIT_MS = 60_000;

export type PublishPhase =
  | { kind: "rate"; rate: number }
  | { kind: "saturate"; inFlight: number }
  /** Not reported: wakes the object and warms the JIT on the delivery path. */
  | { kind: "warmup"; inFlight: number };

/**
 * What one phase publishes: its name in the report (`rate`, `saturate`, `batch-publish` …), how
 * it is paced, how many messages, what each request carries, and for a filtered phase who wants what.
 */
export type PhasePlan = {
  name: string;
  phase: PublishPhase;
  messages: number;
  publication: Publication;
  wants?: Wants;
};

/** Where a phase runs: the target, the room, its N subscribers' sink, and the publishing socket if one is open. */
export type PhaseContext = {
  target: RunningTarget;
  room: string;
  subscribers: number;
  sink: FrameSink;
  socket?: Channel;
};

export type PhaseResult = {
  name: string;
  kind: PublishPhase["kind"];
  /** Publishes per second asked for (rate mode only). */
  offeredPerSecond?: number;
  subscribers: number;
  messages: number;
  expected: number;
  received: number;
  lost: number;
  duplicates: number;
  /** Receipts a subscriber's filter does not match (filtered phases). */
  wrong: number;
  /** Receipts whose seq went back for that subscriber; undefined when the target sends no seq. */
  outOfOrder: number | undefined;
  strays: number;
  /** WebSocket frames that carried this phase's messages, and how many of them were batch frames. */
  frames: number;
  batchFrames: number;
  /** Messages per batch frame, on average (NaN without batch frames). */
  messagesPerBatchFrame: number;
  deliveriesPerSecond: number;
  latencyMs: Summary;
  /** `perSecond` counts messages (a batch request carries many). */
  publish: Omit<PublishStats, "responseMs"> & { responseMs: Summary; perSecond: number };
  serverCpuSeconds: number;
  serverCpuByRole: Record<string, number>;
  /** Server CPU seconds per 1,000 deliveries; times 1000 it is microseconds per delivery. */
  serverCpuSecondsPer1000Deliveries: number;
  clientCpuSeconds: number;
  /** Bytes the subscribers' TCP connections read during the phase: frames as sent, deflated or not. */
  wireBytes: number;
  wallSeconds: number;
  /** Cores' worth of CPU that processes outside the benchmark used meanwhile (noise). */
  otherCores: number;
  drainTimedOut: boolean;
};

async function drain(log: DeliveryLog): Promise<boolean> {
  const deadline = performance.now() + DRAIN_LIMIT_MS;
  // Bounded by the deadline; polling does not skew figures, which use the last receive time.
  while (performance.now() < deadline) {
    if (log.received >= log.expected) return false;
    const last = Number.isNaN(log.lastReceiveAt) ? 0 : log.lastReceiveAt;
    if (performance.now() - last > QUIET_MS) return false;
    await sleep(20);
  }
  return true;
}

function channelOf(at: PhaseContext, publication: Publication): Channel {
  if (publication.via === "http") return httpChannel(at.target, at.room, publication.perRequest);
  if (at.socket === undefined) throw new Error(`${at.target.name}: no publishing socket is open`);
  return at.socket;
}

/** Runs `plan`, numbering its payloads from `base`. */
export async function runPhase(at: PhaseContext, plan: PhasePlan, base: number): Promise<PhaseResult> {
  const { target, subscribers, sink } = at;
  const { phase, messages, publication } = plan;
  const send = channelOf(at, publication);
  const log = new DeliveryLog(subscribers, messages, base, plan.wants);
  sink.current = log;
  const before = sampleTree(target.pid, target.port);
  const wireBefore = sink.wire.bytesRead();
  const loadBefore = markLoad();
  const clientBefore = process.cpuUsage();
  const stats =
    phase.kind === "rate"
      ? await publishAtRate(send, log, publication, phase.rate)
      : await publishSaturated(send, log, publication, phase.inFlight);
  const drainTimedOut = await drain(log);
  const after = sampleTree(target.pid, target.port);
  const wireBytes = sink.wire.bytesRead() - wireBefore;
  const otherCores = foreignCores(loadBefore, markLoad());
  const client = process.cpuUsage(clientBefore);
  sink.current = undefined;
  const firstSend = log.sendTimes[0] ?? Number.NaN;
  const deliverySeconds = (log.lastReceiveAt - firstSend) / 1000;
  const serverCpuSeconds = after.cpuSeconds - before.cpuSeconds;
  return {
    name: plan.name,
    kind: phase.kind,
    ...(phase.kind === "rate" ? { offeredPerSecond: phase.rate } : {}),
    subscribers,
    messages,
    expected: log.expected,
    received: log.received,
    lost: log.lost(),
    duplicates: log.duplicates,
    wrong: log.wrong,
    outOfOrder: log.seqSeen ? log.outOfOrder : undefined,
    strays: log.strays,
    frames: log.frames,
    batchFrames: log.batchFrames,
    messagesPerBatchFrame: log.batchFrames === 0 ? Number.NaN : log.batchedMessages / log.batchFrames,
    deliveriesPerSecond: log.received / deliverySeconds,
    latencyMs: summarize(log.latencies, log.received),
    publish: {
      ...stats,
      responseMs: summarizeList(stats.responseMs),
      perSecond: stats.messages / (stats.wallMs / 1000),
    },
    serverCpuSeconds,
    serverCpuByRole: cpuByRole(before, after),
    serverCpuSecondsPer1000Deliveries: log.received === 0 ? Number.NaN : serverCpuSeconds / (log.received / 1000),
    clientCpuSeconds: (client.user + client.system) / 1e6,
    wireBytes,
    wallSeconds: (after.at - before.at) / 1000,
    otherCores,
    drainTimedOut,
  };
}

export function phaseFigure(p: PhaseResult): string {
  const usPerDelivery = p.serverCpuSecondsPer1000Deliveries * 1000;
  const faults = [`${p.lost} lost`, ...(p.wrong > 0 ? [`${p.wrong} wrongly delivered`] : [])].join(", ");
  const batches = p.batchFrames > 0 ? `, ${p.messagesPerBatchFrame.toFixed(1)} messages per batch frame` : "";
  return (
    `${round(p.received)}/${round(p.expected)} delivered (${faults}), ${round(p.deliveriesPerSecond)}/s, ` +
    `p50 ${p.latencyMs.p50.toFixed(1)} ms, ${usPerDelivery.toFixed(1)} µs server CPU per delivery${batches}`
  );
}
