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

export type AbLine = { label: string; without?: number; with?: number; ratio?: number; digits: number };
export type AbTable = { without: TargetName; with: TargetName; lines: AbLine[] };

const micros = (role: string) => (p: PhaseResult) => ((p.serverCpuByRole[role] ?? Number.NaN) * 1e6) / p.received;

const PHASE_FIGURES: [string, (p: PhaseResult) => number, number][] = [
  ["deliveries/s", (p) => p.deliveriesPerSecond, 0],
  ["server CPU µs per delivery, whole tree", (p) => p.serverCpuSecondsPer1000Deliveries * 1000, 1],
  ["  … runtime workerd µs", runtimeMicrosPerDelivery, 1],
  ["  … proxy workerd µs (dev-only)", micros("workerd-proxy"), 1],
  ["bytes on the wire per delivery", (p) => p.wireBytes / p.received, 0],
  ["latency p50 ms", (p) => p.latencyMs.p50, 1],
  ["latency p99 ms", (p) => p.latencyMs.p99, 1],
  ["lost + duplicated", (p) => p.lost + p.duplicates, 0],
  ["load generator CPU %", (p) => (100 * p.clientCpuSeconds) / p.wallSeconds, 0],
];

const CONNECT_FIGURES: [string, (c: ConnectResult) => number, number][] = [
  ["sockets with deflate negotiated", (c) => c.deflateNegotiated, 0],
  ["server CPU ms per connect", (c) => c.serverCpuMsPerConnect, 2],
  ["RSS per open socket KB", (c) => c.bytesPerSocket / 1024, 1],
  ["  … runtime workerd KB", (c) => (c.bytesPerSocketByRole["workerd-runtime"] ?? Number.NaN) / 1024, 1],
];

function line(label: string, a: number | undefined, b: number | undefined, digits: number): AbLine {
  const ratio = a === undefined || b === undefined || a === 0 ? undefined : b / a;
  return { label, without: a, with: b, ratio, digits };
}

function pairLines(a: TargetResult, b: TargetResult, options: BenchOptions): AbLine[] {
  const lines: AbLine[] = [];
  for (const fa of a.fanouts ?? []) {
    const fb = b.fanouts?.find((f) => f.sockets === fa.sockets);
    if (fb === undefined) continue;
    const title = socketsTitle(fa.sockets, options);
    for (const [what, f, digits] of CONNECT_FIGURES)
      lines.push(line(`${title}: ${what}`, f(fa.connect), f(fb.connect), digits));
    for (const pa of fa.phases) {
      const pb = phasesOf(b).find((p) => p.name === pa.name);
      if (pb === undefined) continue;
      for (const [what, f, digits] of PHASE_FIGURES) lines.push(line(`${pa.name}: ${what}`, f(pa), f(pb), digits));
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
      tables.push({ without: pair.without, with: pair.with, lines: pairLines(a, b, options) });
  }
  return tables.length === 0 ? undefined : tables;
}

export function renderAbTables(tables: readonly AbTable[], options: BenchOptions): string {
  return tables
    .map((t) => {
      const [a, b] = [specOf(t.without).title(options.shards), specOf(t.with).title(options.shards)];
      const rows = t.lines.map((l) => [l.label, fmt(l.without, l.digits), fmt(l.with, l.digits), fmt(l.ratio, 2)]);
      const how = options.direct ? ", clients straight to the runtime workerd" : "";
      return `${b} against ${a}, the same load${how}:\n\n${markdownTable(["", a, b, "ratio"], rows)}`;
    })
    .join("\n\n");
}
