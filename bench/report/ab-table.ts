// A/B tables: a mode's pairs of targets (harness/modes.ts `compare`: the same server without and
// with a feature) held side by side under the same load, every phase both ran and every session's
// connect figures. Adding an A/B mode needs no code here.
import { MODE_SPECS } from "../harness/modes.ts";
import type { BenchOptions } from "../harness/options.ts";
import { specOf, type TargetName } from "../harness/target-specs.ts";
import type { ConnectResult } from "../load/connect.ts";
import type { PhaseResult } from "../load/phases.ts";
import { socketsTitle } from "../load/sessions.ts";
import { phasesOf, runtimeMicrosPerDelivery, type TargetResult } from "./results.ts";
import { fmt, markdownTable } from "./table.ts";

/** `met`/`NOT met` on the lines a pair's goal judges (modes.ts `within`). */
export type AbLine = { label: string; without?: number; with?: number; ratio?: number; digits: number; goal?: string };
export type AbTable = { without: TargetName; with: TargetName; within?: number; lines: AbLine[] };

/** Connect figures of fewer sockets are shown, not judged: the CPU clock ticks in 10 ms. */
const MIN_JUDGED_SOCKETS = 100;

/** Which way a figure's goal points: at least (1 − within)× or at most (1 + within)× the other side's. */
type Judged = "higher" | "lower" | undefined;
type Figure<T> = [string, (x: T) => number, number, Judged?];

const micros = (role: string) => (p: PhaseResult) => ((p.serverCpuByRole[role] ?? Number.NaN) * 1e6) / p.received;

const PHASE_FIGURES: Figure<PhaseResult>[] = [
  ["deliveries/s", (p) => p.deliveriesPerSecond, 0, "higher"],
  ["server CPU µs per delivery, whole tree", (p) => p.serverCpuSecondsPer1000Deliveries * 1000, 1],
  ["  … runtime workerd µs", runtimeMicrosPerDelivery, 1, "lower"],
  ["  … proxy workerd µs (dev-only)", micros("workerd-proxy"), 1],
  [
    "runtime workerd µs per publish",
    (p) => ((p.serverCpuByRole["workerd-runtime"] ?? Number.NaN) * 1e6) / p.messages,
    0,
  ],
  ["bytes on the wire per delivery", (p) => p.wireBytes / p.received, 0],
  ["latency p50 ms", (p) => p.latencyMs.p50, 1],
  ["latency p99 ms", (p) => p.latencyMs.p99, 1],
  ["lost + duplicated", (p) => p.lost + p.duplicates, 0],
  ["load generator CPU %", (p) => (100 * p.clientCpuSeconds) / p.wallSeconds, 0],
];

const CONNECT_FIGURES: Figure<ConnectResult>[] = [
  ["sockets with deflate negotiated", (c) => c.deflateNegotiated, 0],
  ["connect p50 ms", (c) => c.connectMs.p50, 1],
  ["connect p99 ms", (c) => c.connectMs.p99, 1, "lower"],
  ["server CPU ms per connect", (c) => c.serverCpuMsPerConnect, 2],
  ["  … runtime workerd ms", (c) => c.serverCpuMsPerConnectByRole["workerd-runtime"] ?? Number.NaN, 2, "lower"],
  ["RSS per open socket KB", (c) => c.bytesPerSocket / 1024, 1],
  ["  … runtime workerd KB", (c) => (c.bytesPerSocketByRole["workerd-runtime"] ?? Number.NaN) / 1024, 1],
];

function verdict(ratio: number | undefined, judged: Judged, within: number | undefined): string | undefined {
  if (judged === undefined || within === undefined || ratio === undefined || Number.isNaN(ratio)) return undefined;
  const met = judged === "higher" ? ratio >= 1 - within : ratio <= 1 + within;
  return met ? "met" : "NOT met";
}

function line<T>(label: string, figure: Figure<T>, a: T, b: T, within: number | undefined): AbLine {
  const [, f, digits, judged] = figure;
  const [x, y] = [f(a), f(b)];
  const ratio = x === 0 ? undefined : y / x;
  const goal = verdict(ratio, judged, within);
  return { label, without: x, with: y, ratio, digits, ...(goal === undefined ? {} : { goal }) };
}

function pairLines(a: TargetResult, b: TargetResult, options: BenchOptions, within?: number): AbLine[] {
  const lines: AbLine[] = [];
  const title = (s: string) => `connect ${options.connectSockets} sockets: ${s}`;
  if (a.connect !== undefined && b.connect !== undefined)
    for (const fig of CONNECT_FIGURES) lines.push(line(title(fig[0]), fig, a.connect, b.connect, within));
  for (const fa of a.fanouts ?? []) {
    const fb = b.fanouts?.find((f) => f.sockets === fa.sockets);
    if (fb === undefined) continue;
    const sockets = socketsTitle(fa.sockets, options);
    // A session of a socket or two (the publisher's) gives no connect figure worth a goal.
    const judge = fa.connect.sockets >= MIN_JUDGED_SOCKETS ? within : undefined;
    for (const fig of CONNECT_FIGURES) lines.push(line(`${sockets}: ${fig[0]}`, fig, fa.connect, fb.connect, judge));
    for (const pa of fa.phases) {
      const pb = phasesOf(b).find((p) => p.name === pa.name);
      if (pb === undefined) continue;
      for (const fig of PHASE_FIGURES) lines.push(line(`${pa.name}: ${fig[0]}`, fig, pa, pb, within));
    }
  }
  return lines;
}

/** One table per pair of the mode whose both targets ran; undefined when there is none. */
export function abTables(results: readonly TargetResult[], options: BenchOptions): AbTable[] | undefined {
  const tables: AbTable[] = [];
  for (const pair of MODE_SPECS[options.mode].compare ?? []) {
    const a = results.find((r) => r.name === pair.without && r.error === undefined);
    const b = results.find((r) => r.name === pair.with && r.error === undefined);
    if (a !== undefined && b !== undefined)
      tables.push({
        without: pair.without,
        with: pair.with,
        ...(pair.within === undefined ? {} : { within: pair.within }),
        lines: pairLines(a, b, options, pair.within),
      });
  }
  return tables.length === 0 ? undefined : tables;
}

export function renderAbTables(tables: readonly AbTable[], options: BenchOptions): string {
  return tables
    .map((t) => {
      const [a, b] = [specOf(t.without).title(options.shards), specOf(t.with).title(options.shards)];
      const how = options.direct ? ", clients straight to the runtime workerd" : "";
      const cells = (l: AbLine) => [l.label, fmt(l.without, l.digits), fmt(l.with, l.digits), fmt(l.ratio, 2)];
      if (t.within === undefined)
        return `${b} against ${a}, the same load${how}:\n\n${markdownTable(["", a, b, "ratio"], t.lines.map(cells))}`;
      const goal = `goal (±${Math.round(t.within * 100)}%)`;
      const rows = t.lines.map((l) => [...cells(l), l.goal ?? ""]);
      const missed = t.lines.filter((l) => l.goal === "NOT met").length;
      const judged = t.lines.filter((l) => l.goal !== undefined).length;
      const summary =
        `goal: deliveries/s ≥ ${1 - t.within}×; runtime CPU per delivery, runtime CPU per connect and connect p99 ` +
        `≤ ${1 + t.within}×; met on ${judged - missed} of ${judged} lines`;
      return `${b} against ${a}, the same load${how}:\n\n${markdownTable(["", a, b, "ratio", goal], rows)}\n\n${summary}`;
    })
    .join("\n\n");
}
