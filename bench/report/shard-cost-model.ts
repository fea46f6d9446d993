// The shard-costs mode's output: every point measured, and the cost lines fitted through them.
// CPU per publish = a + b·live shards + c·deliveries on the sharded server (b: one forward, both
// ends of the RPC; c: one delivery on a shard), a₁ + c₁·deliveries on the unsharded one, each with
// publishes saturated and at a low rate; latency at the low rate with one socket per shard =
// α + β·live shards. Runtime workerd figures are the Worker and the objects; the whole tree adds
// wrangler's dev-only node process and proxy workerd.

import { LATENCY_RATE, type ShardCostPoint } from "../load/shard-costs.ts";
import { type Fit, leastSquares } from "./fit.ts";
import type { TargetResult } from "./results.ts";
import { fmt, markdownTable } from "./table.ts";

const RUNTIME = "workerd-runtime";

/** One fitted line: what it predicts, in which unit, from which points. */
export type CostLine = { id: string; what: string; unit: "µs" | "ms"; fit: Fit };

export type ShardCostModel = {
  lines: CostLine[];
  /** Why a line could not be fitted (too few or degenerate points). */
  notes: string[];
};

type Line = {
  id: string;
  what: string;
  unit: CostLine["unit"];
  server: "gateway" | "gateway-sharded";
  /** The coefficients' names; `x` gives one predictor per name. */
  names: string[];
  /** Which points of that server, and each point's predictors and measured value. */
  points?: (p: ShardCostPoint) => boolean;
  x: (p: ShardCostPoint) => number[];
  y: (p: ShardCostPoint) => number;
};

const SHARDED = { names: ["a", "b", "c"], x: (p: ShardCostPoint) => [1, p.liveShards, p.subscribers] };
const UNSHARDED = { names: ["a₁", "c₁"], x: (p: ShardCostPoint) => [1, p.subscribers] };
const saturated = (role: string) => (p: ShardCostPoint) => p.microsPerPublish.saturated[role] ?? Number.NaN;
const atRate = (role: string) => (p: ShardCostPoint) => p.microsPerPublish.atRate[role] ?? Number.NaN;

const LINES: Line[] = [
  {
    id: "sharded",
    what: "sharded, runtime workerd, saturated: µs/publish = a + b·live + c·N",
    unit: "µs",
    server: "gateway-sharded",
    ...SHARDED,
    y: saturated(RUNTIME),
  },
  {
    id: "sharded-rate",
    what: `sharded, runtime workerd, at ${LATENCY_RATE}/s`,
    unit: "µs",
    server: "gateway-sharded",
    ...SHARDED,
    y: atRate(RUNTIME),
  },
  {
    id: "sharded-tree",
    what: "sharded, whole tree (dev-only node and proxy too), saturated",
    unit: "µs",
    server: "gateway-sharded",
    ...SHARDED,
    y: saturated("total"),
  },
  {
    id: "unsharded",
    what: "unsharded, runtime workerd, saturated: µs/publish = a₁ + c₁·N",
    unit: "µs",
    server: "gateway",
    ...UNSHARDED,
    y: saturated(RUNTIME),
  },
  {
    id: "unsharded-rate",
    what: `unsharded, runtime workerd, at ${LATENCY_RATE}/s`,
    unit: "µs",
    server: "gateway",
    ...UNSHARDED,
    y: atRate(RUNTIME),
  },
  {
    id: "unsharded-tree",
    what: "unsharded, whole tree, saturated",
    unit: "µs",
    server: "gateway",
    ...UNSHARDED,
    y: saturated("total"),
  },
  {
    id: "latency",
    what: `latency p50 at ${LATENCY_RATE}/s, one socket per shard: ms = α + β·live`,
    unit: "ms",
    server: "gateway-sharded",
    names: ["α", "β"],
    points: (p) => p.subscribers === p.liveShards,
    x: (p) => [1, p.liveShards],
    y: (p) => p.latency.latencyMs.p50,
  },
];

const pointsOf = (results: readonly TargetResult[], server: Line["server"]) =>
  results.find((r) => r.name === server)?.shardCosts?.points ?? [];

export function shardCostModel(results: readonly TargetResult[]): ShardCostModel {
  const model: ShardCostModel = { lines: [], notes: [] };
  for (const line of LINES) {
    const points = pointsOf(results, line.server).filter(line.points ?? (() => true));
    if (points.length === 0) continue;
    try {
      const fit = leastSquares(line.names, points.map(line.x), points.map(line.y));
      model.lines.push({ id: line.id, what: line.what, unit: line.unit, fit });
    } catch (err) {
      // A run with too few points (small --subscribers, one target) still prints its points.
      model.notes.push(`${line.what}: no fit (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  return model;
}

/** `b = 842.3 (± 73.4)`: a coefficient and its standard error. */
function terms(fit: Fit, digits: number): string {
  return fit.names
    .map((name, i) => {
      const se = fit.standardErrors[i] ?? Number.NaN;
      return `${name} = ${fmt(fit.coefficients[i], digits)}${Number.isNaN(se) ? "" : ` (± ${fmt(se, digits)})`}`;
    })
    .join(", ");
}

function pointRows(name: string, points: readonly ShardCostPoint[], fit: Fit | undefined): string[][] {
  return points.map((p, i) => [
    `${name}, ${p.liveShards} live, N=${p.subscribers}`,
    fmt(saturated(RUNTIME)(p), 0),
    fmt(fit?.predicted[i], 0),
    fmt(fit?.residuals[i], 0),
    fmt(atRate(RUNTIME)(p), 0),
    fmt(saturated("total")(p), 0),
    `${fmt(p.latency.latencyMs.p50, 1)} / ${fmt(p.latency.latencyMs.p99, 1)}`,
    fmt(p.latency.publish.responseMs.p50, 1),
    `${fmt(p.connect.serverCpuMsPerConnectByRole[RUNTIME], 2)} / ${fmt(p.connect.serverCpuMsPerConnect, 2)}`,
    fmt((p.connect.jsHeapBytesPerSocket ?? Number.NaN) / 1024, 1),
    `${p.latency.lost + p.cost.lost} / ${p.latency.duplicates + p.cost.duplicates}`,
    fmt(Math.max(p.latency.otherCores, p.cost.otherCores), 2),
  ]);
}

export function renderShardCosts(results: readonly TargetResult[], model: ShardCostModel): string {
  const fitOf = (id: string) => model.lines.find((l) => l.id === id)?.fit;
  const shards = results.find((r) => r.name === "gateway-sharded")?.shardCosts?.roomShards ?? "?";
  const header = [
    "server, live shards, subscribers",
    "runtime µs/publish, saturated",
    "fit",
    "residual",
    `runtime µs/publish at ${LATENCY_RATE}/s`,
    "tree µs/publish, saturated",
    `p50 / p99 ms at ${LATENCY_RATE}/s`,
    "answer p50 ms",
    "connect CPU ms runtime / tree",
    "JS heap KB/socket",
    "lost / dup",
    "other processes, cores",
  ];
  const lines = [
    ...pointRows("K=1", pointsOf(results, "gateway"), fitOf("unsharded")),
    ...pointRows(`K=${shards}`, pointsOf(results, "gateway-sharded"), fitOf("sharded")),
  ];
  const out = [markdownTable(header, lines), ""];
  for (const l of model.lines)
    out.push(`${l.what}: ${terms(l.fit, l.unit === "ms" ? 2 : 1)} ${l.unit}; R² ${fmt(l.fit.rSquared, 4)}`);
  for (const note of model.notes) out.push(`! ${note}`);
  return out.join("\n");
}
