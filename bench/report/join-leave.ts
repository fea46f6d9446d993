// The join/leave storm's table (load/join-leave-storm.ts): every target that ran it side by side,
// the cycles' rate and server CPU on each, and what the webhook receiver got where there was one.
import type { BenchOptions } from "../harness/options.ts";
import { specOf } from "../harness/target-specs.ts";
import type { JoinLeaveResult } from "../load/join-leave-storm.ts";
import type { TargetResult } from "./results.ts";
import { fmt, markdownTable } from "./table.ts";

export type JoinLeaveFigures = { name: TargetResult["name"]; result: JoinLeaveResult }[];

export function joinLeaveStorms(results: readonly TargetResult[]): JoinLeaveFigures | undefined {
  const ran = results.flatMap((r) => (r.joinLeave === undefined ? [] : [{ name: r.name, result: r.joinLeave }]));
  return ran.length === 0 ? undefined : ran;
}

type Row = [string, (r: JoinLeaveResult) => number | undefined, number];

const ROWS: Row[] = [
  ["users who joined and left", (r) => r.cycles, 0],
  ["cycles that failed", (r) => r.failures, 0],
  ["join/leave cycles per second", (r) => r.cyclesPerSecond, 0],
  ["server CPU ms per cycle, whole tree", (r) => r.serverCpuMsPerCycle, 2],
  ["  … runtime workerd ms", (r) => r.serverCpuMsPerCycleByRole["workerd-runtime"], 2],
  ["events the room owes its endpoint", (r) => r.events?.expected, 0],
  ["events received (distinct ids)", (r) => r.events?.received, 0],
  ["  … received again (duplicates)", (r) => r.events?.duplicates, 0],
  ["  … received while the storm ran", (r) => r.events?.duringStorm, 0],
  ["events per second at the receiver", (r) => r.events?.perSecond, 0],
  ["last event after the storm ended, ms", (r) => r.events?.afterStormMs, 0],
  ["POSTs to the receiver (every room)", (r) => r.events?.posts, 0],
  ["other processes' CPU, cores", (r) => r.otherCores, 2],
];

export function renderJoinLeave(figures: JoinLeaveFigures, options: BenchOptions): string {
  const header = ["", ...figures.map((f) => specOf(f.name).title(options.shards))];
  const rows = ROWS.map(([label, pick, digits]) => [label, ...figures.map((f) => fmt(pick(f.result), digits))]);
  return (
    `Join/leave storm: ${options.hookCycles} users each join and leave one room once, ` +
    `${options.connectConcurrency} at a time, beside an anchor socket that holds the room open ` +
    "(2 events a user, 4 for the anchor):\n\n" +
    markdownTable(header, rows)
  );
}
