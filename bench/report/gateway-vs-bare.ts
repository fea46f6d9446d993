// Issue 10's table: each delivery mode of the gateway (default config) against the bare hibernating
// DO's single publishes, saturated. The bare DO has no batch frames or batch publishes, so every
// gateway mode is held against that one figure. Memory per socket is each session's against the
// bare DO's at the same N (connect mode's against its connect mode).

import type { BenchOptions, FanoutPhase } from "../harness/options.ts";
import type { ConnectResult } from "../load/connect.ts";
import type { PhaseResult } from "../load/phases.ts";
import { socketsTitle } from "../load/sessions.ts";
import { atLeast, atMost, type GoalLine, type GoalRow, judge, none, renderGoals } from "./goals.ts";
import { fanoutOf, messagesPerFrame, phaseOf, runtimeMicrosPerDelivery, type TargetResult } from "./results.ts";

export const DELIVERY_GOALS = {
  single: 1.0,
  singleAim: 1.2,
  batchSubscribers: 3,
  batchPublish: 5,
  batchSubscribersP99: 1.0,
  connectP99: 1.5,
  connectCpu: 1.5,
  memory: 1.1,
} as const;

type Mode = { phase: FanoutPhase; title: string; deliveries: GoalRow["goal"]; p99?: GoalRow["goal"] };

const MODES: Mode[] = [
  {
    phase: "saturate",
    title: "single publishes, saturated",
    deliveries: atLeast(DELIVERY_GOALS.single, `≥ 1.0× (aim ${DELIVERY_GOALS.singleAim}×)`),
  },
  {
    phase: "saturate-batch",
    title: "single publishes, saturated, ?batch=1",
    deliveries: atLeast(DELIVERY_GOALS.batchSubscribers),
    p99: atMost(DELIVERY_GOALS.batchSubscribersP99, "no worse (≤ 1.0×)"),
  },
  {
    phase: "batch-publish",
    title: "batch publish (100 per request), ?batch=1",
    deliveries: atLeast(DELIVERY_GOALS.batchPublish),
  },
];

const faults = (p: PhaseResult) => p.lost + p.duplicates + p.wrong + (p.outOfOrder ?? 0);
const micros = (p: PhaseResult) => p.serverCpuSecondsPer1000Deliveries * 1000;

function modeRows(mode: Mode, gw: PhaseResult | undefined, base: PhaseResult | undefined): GoalRow[] {
  if (gw === undefined) return [];
  const row = (label: string, f: (p: PhaseResult) => number, digits: number, goal?: GoalRow["goal"]) => ({
    label,
    value: f(gw),
    against: base === undefined ? undefined : f(base),
    digits,
    ...(goal === undefined ? {} : { goal }),
  });
  return [
    row(`${mode.title}: deliveries/s`, (p) => p.deliveriesPerSecond, 0, mode.deliveries),
    row("  latency p50 ms", (p) => p.latencyMs.p50, 1),
    row("  latency p99 ms", (p) => p.latencyMs.p99, 1, mode.p99),
    row("  server CPU µs per delivery", micros, 1),
    row("  … runtime workerd µs", runtimeMicrosPerDelivery, 1),
    { ...row("  messages per WebSocket frame", messagesPerFrame, 2), noRatio: true },
    { ...row("  lost + duplicated + out of order", faults, 0, none), noRatio: true },
    { ...row("  other processes' CPU, cores", (p) => p.otherCores, 2), noRatio: true },
  ];
}

function memoryRow(label: string, gw: ConnectResult | undefined, base: ConnectResult | undefined): GoalRow[] {
  if (gw === undefined) return [];
  const kb = (c: ConnectResult | undefined) => (c === undefined ? undefined : c.bytesPerSocket / 1024);
  return [{ label, value: kb(gw), against: kb(base), digits: 1, goal: atMost(DELIVERY_GOALS.memory) }];
}

/** The judged rows, or undefined unless both the gateway and the bare DO ran. */
export function deliveryGoals(results: readonly TargetResult[], options: BenchOptions): GoalLine[] | undefined {
  const gw = results.find((r) => r.name === "gateway");
  const bare = results.find((r) => r.name === "bare-do");
  if (gw === undefined || bare === undefined) return undefined;
  const base = phaseOf(bare, "saturate");
  const rows = MODES.flatMap((m) => modeRows(m, phaseOf(gw, m.phase), base));
  const c = gw.connect;
  if (c !== undefined) {
    const b = bare.connect;
    rows.push(
      {
        label: `connect N=${options.connectSockets}: latency p99 ms`,
        value: c.connectMs.p99,
        against: b?.connectMs.p99,
        digits: 1,
        goal: atMost(DELIVERY_GOALS.connectP99),
      },
      {
        label: "  server CPU ms per connect",
        value: c.serverCpuMsPerConnect,
        against: b?.serverCpuMsPerConnect,
        digits: 2,
        goal: atMost(DELIVERY_GOALS.connectCpu),
      },
    );
  }
  const bareMemory = fanoutOf(bare, "v1")?.connect;
  rows.push(
    ...memoryRow(`memory per socket KB, ${socketsTitle("v1", options)}`, fanoutOf(gw, "v1")?.connect, bareMemory),
    ...memoryRow(`memory per socket KB, ${socketsTitle("batch", options)}`, fanoutOf(gw, "batch")?.connect, bareMemory),
    ...memoryRow(`memory per socket KB, connect N=${options.connectSockets}`, c, bare.connect),
  );
  return rows.length === 0 ? undefined : judge(rows);
}

export function renderDeliveryGoals(lines: readonly GoalLine[], options: BenchOptions): string {
  const title =
    `Issue 10: the gateway's delivery modes against the bare DO's single publishes, saturated ` +
    `(N=${options.subscribers}, ${options.payloadBytes} B, ${options.saturateInFlight} requests in flight; ` +
    `batch publish: ${options.batchMessages} messages). Every ratio is gateway / bare DO.`;
  return `${title}\n\n${renderGoals(["", "gateway", "bare DO", "gw/DO"], lines)}`;
}
