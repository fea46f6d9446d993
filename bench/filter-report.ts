// Issue 11's table: N subscribers in five filter groups (the `filter` phase, 5·M publishes, each
// matching one group) against N unfiltered subscribers (the `saturate` phase, M publishes): both
// deliver N·M. Both publish singly, so the filtered run also pays 5× the per-publish work (HTTP,
// auth, seq, history, the log line); the table shows messages published beside each figure.
import { atLeast, atMost, type GoalLine, type GoalRow, judge, none, renderGoals } from "./goals.ts";
import type { BenchOptions } from "./options.ts";
import type { PhaseResult } from "./phases.ts";
import { phaseOf, runtimeMicrosPerDelivery, type TargetResult } from "./report.ts";
import { FILTER_GROUPS } from "./sessions.ts";

export const FILTER_GOALS = { deliveries: 0.9, cpuPerDelivery: 1.1 } as const;

/** The judged rows, or undefined unless the gateway ran both phases. */
export function filterGoals(results: readonly TargetResult[]): GoalLine[] | undefined {
  const gw = results.find((r) => r.name === "gateway");
  const filtered = gw && phaseOf(gw, "filter");
  const plain = gw && phaseOf(gw, "saturate");
  if (filtered === undefined || plain === undefined) return undefined;
  const row = (label: string, f: (p: PhaseResult) => number, digits: number, extra: Partial<GoalRow> = {}) => ({
    label,
    value: f(filtered),
    against: f(plain),
    digits,
    ...extra,
  });
  return judge([
    row("messages published", (p) => p.messages, 0),
    row("deliveries expected", (p) => p.expected, 0),
    row("deliveries/s", (p) => p.deliveriesPerSecond, 0, { goal: atLeast(FILTER_GOALS.deliveries) }),
    row("server CPU µs per delivery, whole tree", (p) => p.serverCpuSecondsPer1000Deliveries * 1000, 1, {
      goal: atMost(FILTER_GOALS.cpuPerDelivery),
    }),
    row("  … runtime workerd µs", runtimeMicrosPerDelivery, 1, { goal: atMost(FILTER_GOALS.cpuPerDelivery) }),
    row("latency p50 ms", (p) => p.latencyMs.p50, 1),
    row("latency p99 ms", (p) => p.latencyMs.p99, 1),
    row("messages published/s", (p) => p.publish.perSecond, 1),
    row("lost", (p) => p.lost, 0, { goal: none, noRatio: true }),
    row("wrongly delivered", (p) => p.wrong, 0, { goal: none, noRatio: true }),
    row("duplicated + out of order", (p) => p.duplicates + (p.outOfOrder ?? 0), 0, { goal: none, noRatio: true }),
    row("other processes' CPU, cores", (p) => p.otherCores, 2, { noRatio: true }),
  ]);
}

export function renderFilterGoals(lines: readonly GoalLine[], options: BenchOptions): string {
  const title =
    `Issue 11: ${options.subscribers} subscribers in ${FILTER_GROUPS} filter groups (?events=g0 … g${FILTER_GROUPS - 1}, ` +
    `publishes cycling g0 … g${FILTER_GROUPS - 1}) against ${options.subscribers} unfiltered, the same deliveries; ` +
    `single publishes, ${options.saturateInFlight} in flight.`;
  return `${title}\n\n${renderGoals(["", "filtered", "unfiltered", "filtered/unfiltered"], lines)}`;
}
