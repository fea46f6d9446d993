// The filter tables: N subscribers in five filter groups (the `filter` phase, 5·M publishes, each
// matching one group) against N unfiltered subscribers (the `saturate` phase, M publishes): both
// deliver N·M. Both publish singly, so the filtered run also pays 5× the per-publish work (HTTP,
// auth, seq, history, the log line). A second table holds the filtered phase against the control
// (`filter-control`: N/5 unfiltered subscribers, the same 5·M publishes and N·M deliveries), which
// differs from it only by the filter: what matching costs, apart from publishing more.

import type { BenchOptions } from "../harness/options.ts";
import type { PhaseResult } from "../load/phases.ts";
import { FILTER_GROUPS, socketsTitle } from "../load/sessions.ts";
import { atLeast, atMost, type GoalLine, type GoalRow, judge, none, renderGoals } from "./goals.ts";
import { phaseOf, runtimeMicrosPerDelivery, type TargetResult } from "./results.ts";

export const FILTER_GOALS = { deliveries: 0.9, cpuPerDelivery: 1.1 } as const;

export type FilterComparison = { goals: GoalLine[]; control?: GoalLine[] };

/** Rows of `filtered` against `other`; with `judged`, the filter goals on them. */
function rows(filtered: PhaseResult, other: PhaseResult, judged: boolean): GoalRow[] {
  const row = (label: string, f: (p: PhaseResult) => number, digits: number, extra: Partial<GoalRow> = {}) => ({
    label,
    value: f(filtered),
    against: f(other),
    digits,
    ...extra,
  });
  const goal = (g: GoalRow["goal"]) => (judged ? { goal: g } : {});
  const zero = { goal: none, noRatio: true } as const;
  return [
    row("subscribers", (p) => p.subscribers, 0),
    row("messages published", (p) => p.messages, 0),
    row("deliveries expected", (p) => p.expected, 0),
    row("deliveries/s", (p) => p.deliveriesPerSecond, 0, goal(atLeast(FILTER_GOALS.deliveries))),
    row(
      "server CPU µs per delivery, whole tree",
      (p) => p.serverCpuSecondsPer1000Deliveries * 1000,
      1,
      goal(atMost(FILTER_GOALS.cpuPerDelivery)),
    ),
    row("  … runtime workerd µs", runtimeMicrosPerDelivery, 1, goal(atMost(FILTER_GOALS.cpuPerDelivery))),
    row("latency p50 ms", (p) => p.latencyMs.p50, 1),
    row("latency p99 ms", (p) => p.latencyMs.p99, 1),
    row("messages published/s", (p) => p.publish.perSecond, 1),
    ...(judged
      ? [
          row("lost", (p) => p.lost, 0, zero),
          row("wrongly delivered", (p) => p.wrong, 0, zero),
          row("duplicated + out of order", (p) => p.duplicates + (p.outOfOrder ?? 0), 0, zero),
        ]
      : []),
    row("other processes' CPU, cores", (p) => p.otherCores, 2, { noRatio: true }),
  ];
}

/** The judged rows (and the control's, when it ran), or undefined unless the gateway ran both phases. */
export function filterComparison(results: readonly TargetResult[]): FilterComparison | undefined {
  const gw = results.find((r) => r.name === "gateway");
  const filtered = gw && phaseOf(gw, "filter");
  const plain = gw && phaseOf(gw, "saturate");
  if (gw === undefined || filtered === undefined || plain === undefined) return undefined;
  const control = phaseOf(gw, "filter-control");
  return {
    goals: judge(rows(filtered, plain, true)),
    ...(control === undefined ? {} : { control: judge(rows(filtered, control, false)) }),
  };
}

export function renderFilterComparison(c: FilterComparison, options: BenchOptions): string {
  const groups = `g0 … g${FILTER_GROUPS - 1}`;
  const out = [
    `Filters: ${socketsTitle("filtered", options)} (?events=${groups}, publishes cycling ${groups}) against ` +
      `${socketsTitle("v1", options)} unfiltered, the same deliveries; single publishes, ` +
      `${options.saturateInFlight} in flight.`,
    "",
    renderGoals(["", "filtered", "unfiltered", "filtered/unfiltered"], c.goals),
  ];
  if (c.control !== undefined)
    out.push(
      "",
      `The filter alone: against ${socketsTitle("control", options)}, the same publishes and deliveries.`,
      "",
      renderGoals(["", "filtered", "control", "filtered/control"], c.control),
    );
  return out.join("\n");
}
