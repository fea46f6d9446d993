// The gateway against the bare hibernating DO, with the goals the gateway is held to: each delivery
// mode of the gateway (default config) against the bare DO's single publishes at the same number in
// flight. The bare DO has no batch frames or batch publishes, so those modes are held against its
// single publishes, 32 in flight. Connects against its connects; memory per socket is each
// session's against the bare DO's at the same N (connect mode's against its connect mode).

import type { FanoutPhase } from "../harness/modes.ts";
import type { BenchOptions } from "../harness/options.ts";
import type { ConnectResult } from "../load/connect.ts";
import type { PhaseResult } from "../load/phases.ts";
import { socketsTitle } from "../load/sessions.ts";
import { atLeast, atMost, type GoalLine, type GoalRow, judge, none, renderGoals } from "./goals.ts";
import { fanoutOf, messagesPerFrame, phaseOf, runtimeMicrosPerDelivery, type TargetResult } from "./results.ts";

export const DELIVERY_GOALS = {
  single: 1.2,
  singleLight: 1.0,
  batchSubscribers: 3,
  batchPublish: 5,
  batchSubscribersP99: 1.0,
  connectP99: 1.5,
  connectCpu: 1.5,
  memory: 1.1,
} as const;

/** A gateway phase, the bare DO phase it is held against, and its goals. */
type Mode = {
  phase: FanoutPhase;
  base: FanoutPhase;
  title: (o: BenchOptions) => string;
  deliveries: GoalRow["goal"];
  p99?: GoalRow["goal"];
};

const MODES: Mode[] = [
  {
    phase: "saturate",
    base: "saturate",
    title: (o) => `single publishes, ${o.saturateInFlight} in flight`,
    deliveries: atLeast(DELIVERY_GOALS.single),
  },
  {
    phase: "saturate-light",
    base: "saturate-light",
    title: (o) => `single publishes, ${o.lightInFlight} in flight`,
    deliveries: atLeast(DELIVERY_GOALS.singleLight),
  },
  {
    phase: "saturate-batch",
    base: "saturate",
    title: (o) => `?batch=1, single publishes, ${o.saturateInFlight} in flight`,
    deliveries: atLeast(DELIVERY_GOALS.batchSubscribers),
    p99: atMost(DELIVERY_GOALS.batchSubscribersP99, "no worse (≤ 1.0×)"),
  },
  {
    phase: "batch-publish",
    base: "saturate",
    title: () => "batch publish (100 per request), ?batch=1",
    deliveries: atLeast(DELIVERY_GOALS.batchPublish),
  },
];

const RUNTIME = "workerd-runtime";
const faults = (p: PhaseResult) => p.lost + p.duplicates + p.wrong + (p.outOfOrder ?? 0);
const micros = (p: PhaseResult) => p.serverCpuSecondsPer1000Deliveries * 1000;

function modeRows(title: string, mode: Mode, gw: PhaseResult | undefined, base: PhaseResult | undefined): GoalRow[] {
  if (gw === undefined) return [];
  const row = (label: string, f: (p: PhaseResult) => number, digits: number, goal?: GoalRow["goal"]) => ({
    label,
    value: f(gw),
    against: base === undefined ? undefined : f(base),
    digits,
    ...(goal === undefined ? {} : { goal }),
  });
  return [
    row(`${title}: deliveries/s`, (p) => p.deliveriesPerSecond, 0, mode.deliveries),
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
  const rows = MODES.flatMap((m) => modeRows(m.title(options), m, phaseOf(gw, m.phase), phaseOf(bare, m.base)));
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
      {
        label: "  … runtime workerd ms",
        value: c.serverCpuMsPerConnectByRole[RUNTIME],
        against: b?.serverCpuMsPerConnectByRole[RUNTIME],
        digits: 2,
      },
    );
  }
  const bareMemory = fanoutOf(bare, "v1")?.connect;
  rows.push(
    ...memoryRow(`RSS per open socket KB, ${socketsTitle("v1", options)}`, fanoutOf(gw, "v1")?.connect, bareMemory),
    ...memoryRow(
      `RSS per open socket KB, ${socketsTitle("batch", options)}`,
      fanoutOf(gw, "batch")?.connect,
      bareMemory,
    ),
    ...memoryRow(`RSS per open socket KB, connect N=${options.connectSockets}`, c, bare.connect),
  );
  return rows.length === 0 ? undefined : judge(rows);
}

export function renderDeliveryGoals(lines: readonly GoalLine[], options: BenchOptions): string {
  const title =
    `The gateway against the bare DO (N=${options.subscribers}, ${options.payloadBytes} B; batch publish: ` +
    `${options.batchMessages} messages, held against the bare DO's single publishes). Every ratio is gateway / bare DO.`;
  return `${title}\n\n${renderGoals(["", "gateway", "bare DO", "gw/DO"], lines)}`;
}
