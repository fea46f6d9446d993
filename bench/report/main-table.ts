// The side-by-side table (stdout): every target's column, then the ratios between them.

import { type FanoutPhase, fanoutPhases, MODE_SPECS } from "../harness/modes.ts";
import type { BenchOptions } from "../harness/options.ts";
import { specOf, type TargetName } from "../harness/target-specs.ts";
import type { ConnectResult } from "../load/connect.ts";
import type { PhaseResult } from "../load/phases.ts";
import { type SocketKind, sessionsFor, socketsTitle } from "../load/sessions.ts";
import { fanoutOf, messagesPerFrame, phaseOf, phasesOf, type TargetResult } from "./results.ts";
import { fmt, markdownTable } from "./table.ts";

export type Row = {
  label: string;
  value: (r: TargetResult) => number | undefined;
  digits: number;
  /** Noise gauges (the rest of the machine's CPU) are read, not compared: near 0 a ratio explodes. */
  noRatio?: true;
};

const MB = 1024 * 1024;

function connectRows(title: string, pick: (r: TargetResult) => ConnectResult | undefined): Row[] {
  const c = (f: (x: ConnectResult) => number) => (r: TargetResult) => {
    const x = pick(r);
    return x === undefined ? undefined : f(x);
  };
  return [
    { label: `${title} sockets opened`, value: c((x) => x.sockets), digits: 0 },
    { label: `${title} connect failures`, value: c((x) => x.failures), digits: 0 },
    { label: `${title} sockets with deflate negotiated`, value: c((x) => x.deflateNegotiated), digits: 0 },
    { label: `${title} connect p50 ms`, value: c((x) => x.connectMs.p50), digits: 2 },
    { label: `${title} connect p99 ms`, value: c((x) => x.connectMs.p99), digits: 2 },
    { label: `${title} connects/s`, value: c((x) => x.perSecond), digits: 0 },
    { label: `${title} server CPU ms/connect`, value: c((x) => x.serverCpuMsPerConnect), digits: 3 },
    { label: `${title} server RSS, sockets open, MB`, value: c((x) => x.rssOpenBytes / MB), digits: 1 },
    { label: `${title} memory per socket KB`, value: c((x) => x.bytesPerSocket / 1024), digits: 2 },
    {
      label: `${title}   of which runtime KB`,
      value: c((x) => (x.bytesPerSocketByRole["workerd-runtime"] ?? Number.NaN) / 1024),
      digits: 2,
    },
    {
      label: `${title} isolate JS heap per socket KB`,
      value: c((x) => (x.jsHeapBytesPerSocket ?? Number.NaN) / 1024),
      digits: 2,
    },
    { label: `${title} other processes' CPU, cores`, value: c((x) => x.otherCores), digits: 2, noRatio: true },
  ];
}

function phaseRows(kind: FanoutPhase, sockets: SocketKind): Row[] {
  const p = (f: (x: PhaseResult) => number | undefined) => (r: TargetResult) => {
    const x = phaseOf(r, kind);
    return x === undefined ? undefined : f(x);
  };
  const perK = (x: PhaseResult, role: string) => (x.serverCpuByRole[role] ?? 0) / (x.received / 1000);
  const offered = (x: PhaseResult) =>
    x.offeredPerSecond === undefined ? Number.NaN : x.offeredPerSecond * x.subscribers;
  return [
    ...(kind === "rate" ? [{ label: "rate: offered deliveries/s (R x N)", value: p(offered), digits: 0 }] : []),
    { label: `${kind}: deliveries/s`, value: p((x) => x.deliveriesPerSecond), digits: 0 },
    { label: `${kind}: latency p50 ms`, value: p((x) => x.latencyMs.p50), digits: 2 },
    { label: `${kind}: latency p95 ms`, value: p((x) => x.latencyMs.p95), digits: 2 },
    { label: `${kind}: latency p99 ms`, value: p((x) => x.latencyMs.p99), digits: 2 },
    { label: `${kind}: latency max ms`, value: p((x) => x.latencyMs.max), digits: 2 },
    { label: `${kind}: bytes on the wire per delivery`, value: p((x) => x.wireBytes / x.received), digits: 0 },
    { label: `${kind}: lost deliveries`, value: p((x) => x.lost), digits: 0 },
    { label: `${kind}: duplicated deliveries`, value: p((x) => x.duplicates), digits: 0 },
    ...(sockets === "filtered"
      ? [{ label: `${kind}: wrongly delivered (filter not matched)`, value: p((x) => x.wrong), digits: 0 }]
      : []),
    // Only the gateway stamps a seq; "-" for targets whose order could not be checked.
    { label: `${kind}: out of order (seq went back)`, value: p((x) => x.outOfOrder), digits: 0 },
    ...(sockets === "batch"
      ? [
          { label: `${kind}: messages per batch frame`, value: p((x) => x.messagesPerBatchFrame), digits: 2 },
          { label: `${kind}: messages per frame, all frames`, value: p(messagesPerFrame), digits: 2 },
        ]
      : []),
    { label: `${kind}: server CPU s/1k deliveries`, value: p((x) => x.serverCpuSecondsPer1000Deliveries), digits: 4 },
    { label: `${kind}:   workerd runtime s/1k`, value: p((x) => perK(x, "workerd-runtime")), digits: 4 },
    { label: `${kind}:   workerd proxy s/1k`, value: p((x) => perK(x, "workerd-proxy")), digits: 4 },
    { label: `${kind}:   node s/1k`, value: p((x) => perK(x, "node")), digits: 4 },
    { label: `${kind}: messages published/s`, value: p((x) => x.publish.perSecond), digits: 1 },
    { label: `${kind}: publish requests failed`, value: p((x) => x.publish.sent - x.publish.ok), digits: 0 },
    { label: `${kind}: load generator CPU %`, value: p((x) => (100 * x.clientCpuSeconds) / x.wallSeconds), digits: 0 },
    { label: `${kind}: other processes' CPU, cores`, value: p((x) => x.otherCores), digits: 2, noRatio: true },
  ];
}

/** Each session's sockets, then its phases; connect mode last. */
export function rowsFor(options: BenchOptions): Row[] {
  const rows: Row[] = [];
  for (const { sockets, phases } of sessionsFor(fanoutPhases(options.phases), true)) {
    const n = `${socketsTitle(sockets, options)}:`;
    const f = (r: TargetResult) => fanoutOf(r, sockets);
    rows.push({ label: `${n} shards holding sockets`, value: (r) => f(r)?.shards?.length, digits: 0 });
    rows.push(...connectRows(n, (r) => f(r)?.connect));
    const closes = (r: TargetResult) => {
      const x = f(r);
      return x && Object.values(x.unexpectedCloses).reduce((a, b) => a + b, 0);
    };
    rows.push({ label: `${n} sockets closed by the server`, value: closes, digits: 0 });
    for (const kind of phases) rows.push(...phaseRows(kind, sockets));
  }
  if (options.phases.includes("connect"))
    rows.push(...connectRows(`connect N=${options.connectSockets}:`, (r) => r.connect));
  return rows;
}

function ratio(a: number | undefined, b: number | undefined): number {
  return a === undefined || b === undefined || b === 0 ? Number.NaN : a / b;
}

/** One row's figure for one target; undefined when the target did not run or has no such figure. */
function figureOf(results: readonly TargetResult[], name: TargetName, row: Row): number | undefined {
  const t = results.find((r) => r.name === name);
  return t === undefined ? undefined : row.value(t);
}

/** A ratio column: `over`'s figure divided by `under`'s. */
type RatioColumn = { label: string; over: TargetName; under: TargetName };

/** K shards over one, the gateway over each baseline, and the mode's A/B pairs, among the targets that run. */
function ratioColumns(options: BenchOptions): RatioColumn[] {
  const base: RatioColumn[] = [
    { label: `K=${options.shards}/gw`, over: "gateway-sharded", under: "gateway" },
    { label: "gw/DO", over: "gateway", under: "bare-do" },
    { label: "gw/ws", over: "gateway", under: "bare-ws" },
  ];
  const ab = (MODE_SPECS[options.mode].compare ?? []).map((c) => ({ label: c.label, over: c.with, under: c.without }));
  return [...base, ...ab].filter((c) => options.targets.includes(c.over) && options.targets.includes(c.under));
}

/** Row label → ratio column label → ratio. */
export type Ratios = Record<string, Record<string, number>>;

export function ratios(results: readonly TargetResult[], rows: readonly Row[], options: BenchOptions): Ratios {
  const out: Ratios = {};
  const columns = ratioColumns(options);
  for (const row of rows) {
    if (row.noRatio) continue;
    out[row.label] = Object.fromEntries(
      columns.map((c) => [c.label, ratio(figureOf(results, c.over, row), figureOf(results, c.under, row))]),
    );
  }
  return out;
}

/**
 * Rate-mode latency means something only while the server keeps up with the offered load; and
 * every delivery fault is named, since on the gateway it is a bug.
 */
export function warnings(results: readonly TargetResult[]): string[] {
  const out: string[] = [];
  for (const r of results) {
    if (r.error !== undefined) out.push(`${r.name}: failed: ${r.error.split("\n")[0]}`);
    for (const p of phasesOf(r)) {
      if (p.offeredPerSecond !== undefined && p.deliveriesPerSecond < 0.9 * p.offeredPerSecond * p.subscribers)
        out.push(`${r.name} ${p.name}: overloaded (delivered < 90% of rate x N): publishes queued and overlapped`);
      const faults = Object.entries({
        lost: p.lost,
        duplicated: p.duplicates,
        "wrongly delivered": p.wrong,
        "out of order": p.outOfOrder ?? 0,
      }).filter(([, n]) => n > 0);
      if (faults.length > 0) out.push(`${r.name} ${p.name}: ${faults.map(([what, n]) => `${n} ${what}`).join(", ")}`);
      if (p.drainTimedOut)
        out.push(`${r.name} ${p.name}: deliveries were still arriving when the drain limit ended it`);
      if (p.otherCores > 0.3)
        out.push(
          `${r.name} ${p.name}: other processes used ${p.otherCores.toFixed(2)} cores meanwhile: figures are noisy`,
        );
    }
  }
  return out;
}

/** Every target's column (one that failed shows "-"), then the ratios. */
export function renderTable(results: readonly TargetResult[], rows: readonly Row[], options: BenchOptions): string {
  const r = ratios(results, rows, options);
  const columns = ratioColumns(options);
  const header = [
    "",
    ...options.targets.map((name) => specOf(name).title(options.shards)),
    ...columns.map((c) => c.label),
  ];
  const lines = rows.map((row) => [
    row.label,
    ...options.targets.map((name) => fmt(figureOf(results, name, row), row.digits)),
    ...columns.map((c) => fmt(r[row.label]?.[c.label], 2)),
  ]);
  return markdownTable(header, lines);
}
