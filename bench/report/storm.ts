// The reconnect storm's table: each target's storm side by side, the gateway's (and the sharded
// gateway's) time held against the bare DO's with resume (goal ≤ 1.5×), and 0 lost, 0 duplicated.
import type { BenchOptions } from "../harness/options.ts";
import { specOf, type TargetName } from "../harness/target-specs.ts";
import type { StormResult } from "../load/reconnect-storm.ts";
import type { TargetResult } from "./results.ts";
import { fmt, markdownTable } from "./table.ts";

export const STORM_GOALS = { timeOverBare: 1.5 } as const;
const BASELINE: TargetName = "bare-do-resume";

type Storms = { name: TargetName; storm: StormResult }[];

const ROWS: [string, (s: StormResult) => number | undefined, number][] = [
  ["sockets dropped", (s) => s.sockets, 0],
  ["time until all connected, ms", (s) => s.allConnectedMs, 0],
  ["time until all resumed, ms", (s) => s.allResumedMs, 0],
  ["per socket, resumed after p50 ms", (s) => s.resumeMs.p50, 0],
  ["per socket, resumed after p99 ms", (s) => s.resumeMs.p99, 0],
  ["upgrade attempts that failed (3 tries a socket)", (s) => s.reconnectFailures, 0],
  ["sockets that never got back in", (s) => s.neverReconnected, 0],
  ["sockets not resumed in time", (s) => s.notResumed, 0],
  ["welcomes with recovered: false", (s) => s.notRecovered, 0],
  ["messages published through the storm", (s) => s.published, 0],
  ["lost (socket × message), sockets back in", (s) => s.lost, 0],
  ["duplicated", (s) => s.duplicates, 0],
  ["out of order", (s) => s.outOfOrder, 0],
  ["server CPU over the storm, s", (s) => s.stormCpuSeconds, 2],
  ["  … runtime workerd s", (s) => s.stormCpuByRole["workerd-runtime"], 2],
  ["traffic alone before the drop, cores", (s) => s.backgroundCores, 2],
  ["server CPU per reconnect beyond the traffic, ms", (s) => s.cpuMsPerReconnect, 2],
  ["other processes' CPU, cores", (s) => s.otherCores, 2],
];

export function storms(results: readonly TargetResult[]): Storms | undefined {
  const out = results.flatMap((r) => (r.storm === undefined ? [] : [{ name: r.name, storm: r.storm }]));
  return out.length === 0 ? undefined : out;
}

const verdict = (ok: boolean) => (ok ? "met" : "NOT met");

export function renderStorms(all: Storms, options: BenchOptions): string {
  const bare = all.find((s) => s.name === BASELINE)?.storm;
  const title = (name: TargetName) => specOf(name).title(options.shards);
  const rows = ROWS.map(([label, f, digits]) => [label, ...all.map((s) => fmt(f(s.storm), digits))]);
  const out = [
    `Reconnect storm: ${options.stormSockets} sockets dropped at once and resumed with ?since=, ` +
      `${options.stormConcurrency} reconnects in flight, ${options.stormRate} publishes/s throughout ` +
      `(${options.payloadBytes} B).`,
    "",
    markdownTable(["", ...all.map((s) => title(s.name))], rows),
    "",
  ];
  for (const { name, storm } of all) {
    if (name === BASELINE) continue;
    const ratio = bare === undefined ? Number.NaN : storm.allResumedMs / bare.allResumedMs;
    const time = Number.isNaN(ratio)
      ? "time not judged (no baseline, or a storm unfinished)"
      : `time ${fmt(ratio, 2)}× the bare DO's (goal ≤ ${STORM_GOALS.timeOverBare}×): ${verdict(ratio <= STORM_GOALS.timeOverBare)}`;
    const faults = `lost / duplicated ${storm.lost} / ${storm.duplicates} (goal 0 / 0): ${verdict(storm.lost === 0 && storm.duplicates === 0 && storm.notResumed === 0)}`;
    out.push(`${title(name)}: ${time}; ${faults}`);
  }
  return out.join("\n");
}
