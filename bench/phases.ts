// One measured publish phase: publish M messages to N open sockets, wait for them to arrive, and
// turn the bookkeeping and the /proc samples into figures.
import { DeliveryLog, type FrameSink } from "./deliveries.ts";
import { foreignCores, markLoad } from "./machine-load.ts";
import { cpuByRole, sampleTree } from "./proc-tree.ts";
import { sleep } from "./processes.ts";
import { type PublishStats, publishAtRate, publishSaturated } from "./publish.ts";
import { type Summary, summarize, summarizeList } from "./stats.ts";
import type { RunningTarget } from "./targets.ts";

/** A phase ends this long after its last delivery once every publish is answered. */
const QUIET_MS = 2_000;
/** And never later than this after its last publish is answered. */
const DRAIN_LIMIT_MS = 60_000;

export type PublishPhase =
  | { kind: "rate"; rate: number }
  | { kind: "saturate"; inFlight: number }
  /** Not reported: wakes the object and warms the JIT on the delivery path. */
  | { kind: "warmup"; inFlight: number };

export type PhaseResult = {
  kind: PublishPhase["kind"];
  /** Publishes per second asked for (rate mode only). */
  offeredPerSecond?: number;
  subscribers: number;
  messages: number;
  expected: number;
  received: number;
  lost: number;
  duplicates: number;
  strays: number;
  deliveriesPerSecond: number;
  latencyMs: Summary;
  publish: Omit<PublishStats, "responseMs"> & { responseMs: Summary; perSecond: number };
  serverCpuSeconds: number;
  serverCpuByRole: Record<string, number>;
  /** The unit; times 1000 it is microseconds per delivery. */
  serverCpuSecondsPer1000Deliveries: number;
  clientCpuSeconds: number;
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

export async function runPhase(
  target: RunningTarget,
  room: string,
  subscribers: number,
  messages: number,
  payloadBytes: number,
  phase: PublishPhase,
  sink: FrameSink,
  base: number,
): Promise<PhaseResult> {
  const log = new DeliveryLog(subscribers, messages, base);
  sink.current = log;
  const before = sampleTree(target.pid, target.port);
  const loadBefore = markLoad();
  const clientBefore = process.cpuUsage();
  const stats =
    phase.kind === "rate"
      ? await publishAtRate(target, room, log, payloadBytes, phase.rate)
      : await publishSaturated(target, room, log, payloadBytes, phase.inFlight);
  const drainTimedOut = await drain(log);
  const after = sampleTree(target.pid, target.port);
  const otherCores = foreignCores(loadBefore, markLoad());
  const client = process.cpuUsage(clientBefore);
  sink.current = undefined;
  const firstSend = log.sendTimes[0] ?? Number.NaN;
  const deliverySeconds = (log.lastReceiveAt - firstSend) / 1000;
  const serverCpuSeconds = after.cpuSeconds - before.cpuSeconds;
  return {
    kind: phase.kind,
    ...(phase.kind === "rate" ? { offeredPerSecond: phase.rate } : {}),
    subscribers,
    messages,
    expected: log.expected,
    received: log.received,
    lost: log.lost(),
    duplicates: log.duplicates,
    strays: log.strays,
    deliveriesPerSecond: log.received / deliverySeconds,
    latencyMs: summarize(log.latencies, log.received),
    publish: { ...stats, responseMs: summarizeList(stats.responseMs), perSecond: stats.sent / (stats.wallMs / 1000) },
    serverCpuSeconds,
    serverCpuByRole: cpuByRole(before, after),
    serverCpuSecondsPer1000Deliveries: log.received === 0 ? Number.NaN : serverCpuSeconds / (log.received / 1000),
    clientCpuSeconds: (client.user + client.system) / 1e6,
    wallSeconds: (after.at - before.at) / 1000,
    otherCores,
    drainTimedOut,
  };
}
