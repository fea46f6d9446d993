// The shard-costs mode's output: every point measured, and the cost lines fitted through them.
// CPU per publish = a + b·live shards + c·deliveries on the sharded server (b: one forward, both
// ends of the RPC; c: one delivery on a shard), a₁ + c₁·deliveries on the unsharded one; latency at
// a low rate with one socket per shard = α + β·live shards. Runtime workerd figures are the
// Worker and the objects; the whole tree adds wrangler's dev-only node process and proxy workerd.
import { type Fit, leastSquares } from "./fit.ts";
import { fmt, markdownTable, type TargetResult } from "./report.ts";
import { LATENCY_RATE, type ShardCostPoint, type ShardCostsResult } from "./shard-costs.ts";

const RUNTIME = "workerd-runtime";

export type ShardCostModel = {
  /** µs per publish on the sharded server: a + b·live + c·n. */
  sharded?: { runtime: Fit; tree: Fit };
  /** µs per publish on the unsharded server: a₁ + c₁·n. */
  unsharded?: { runtime: Fit; tree: Fit };
  /** ms publish-to-receive p50 at LATENCY_RATE, one socket per shard: α + β·live. */
  latency?: Fit;
  /** Why a line could not be fitted (too few or degenerate points). */
  notes: string[];
};

const runtimeOf = (p: ShardCostPoint) => p.microsPerPublish[RUNTIME] ?? Number.NaN;
const treeOf = (p: ShardCostPoint) => p.microsPerPublish.total ?? Number.NaN;

function tryFit(names: string[], x: number[][], y: number[], what: string, notes: string[]): Fit | undefined {
  try {
    return leastSquares(names, x, y);
  } catch (err) {
    // A run with too few points (small --subscribers, one target) still prints its points.
    notes.push(`${what}: no fit (${err instanceof Error ? err.message : String(err)})`);
    return undefined;
  }
}

function both(names: string[], x: number[][], points: ShardCostPoint[], what: string, notes: string[]) {
  const runtime = tryFit(names, x, points.map(runtimeOf), `${what}, runtime`, notes);
  const tree = tryFit(names, x, points.map(treeOf), `${what}, tree`, notes);
  return runtime === undefined || tree === undefined ? undefined : { runtime, tree };
}

const costsOf = (results: readonly TargetResult[], name: TargetResult["name"]): ShardCostsResult | undefined =>
  results.find((r) => r.name === name)?.shardCosts;

export function shardCostModel(results: readonly TargetResult[]): ShardCostModel {
  const notes: string[] = [];
  const model: ShardCostModel = { notes };
  const sharded = costsOf(results, "gateway-sharded")?.points ?? [];
  const single = costsOf(results, "gateway")?.points ?? [];
  if (sharded.length > 0) {
    const x = sharded.map((p) => [1, p.liveShards, p.subscribers]);
    const fits = both(["a", "b", "c"], x, sharded, "sharded", notes);
    if (fits !== undefined) model.sharded = fits;
    const lean = sharded.filter((p) => p.subscribers === p.liveShards);
    const latency = tryFit(
      ["α", "β"],
      lean.map((p) => [1, p.liveShards]),
      lean.map((p) => p.latency.latencyMs.p50),
      "latency",
      notes,
    );
    if (latency !== undefined) model.latency = latency;
  }
  if (single.length > 0) {
    const fits = both(
      ["a₁", "c₁"],
      single.map((p) => [1, p.subscribers]),
      single,
      "unsharded",
      notes,
    );
    if (fits !== undefined) model.unsharded = fits;
  }
  return model;
}

/** `a 1,234 (± 56)`: a coefficient and its standard error. */
function terms(fit: Fit, digits: number): string[] {
  return fit.names.map((name, i) => {
    const se = fit.standardErrors[i] ?? Number.NaN;
    return `${name} = ${fmt(fit.coefficients[i], digits)}${Number.isNaN(se) ? "" : ` (± ${fmt(se, digits)})`}`;
  });
}

function pointRows(name: string, points: readonly ShardCostPoint[], fit: Fit | undefined): string[][] {
  return points.map((p, i) => {
    return [
      `${name}, ${p.liveShards} live, N=${p.subscribers}`,
      fmt(runtimeOf(p), 0),
      fmt(fit?.predicted[i], 0),
      fmt(fit?.residuals[i], 0),
      fmt(treeOf(p), 0),
      `${fmt(p.latency.latencyMs.p50, 1)} / ${fmt(p.latency.latencyMs.p99, 1)}`,
      fmt(p.latency.publish.responseMs.p50, 1),
      `${fmt(p.connect.serverCpuMsPerConnectByRole[RUNTIME], 2)} / ${fmt(p.connect.serverCpuMsPerConnect, 2)}`,
      fmt((p.connect.jsHeapBytesPerSocket ?? Number.NaN) / 1024, 1),
      `${p.latency.lost + p.cost.lost} / ${p.latency.duplicates + p.cost.duplicates}`,
      fmt(Math.max(p.latency.otherCores, p.cost.otherCores), 2),
    ];
  });
}

export function renderShardCosts(results: readonly TargetResult[], model: ShardCostModel): string {
  const single = costsOf(results, "gateway");
  const sharded = costsOf(results, "gateway-sharded");
  const header = [
    "server, live shards, subscribers",
    "runtime µs/publish",
    "fit",
    "residual",
    "tree µs/publish",
    `p50 / p99 ms at ${LATENCY_RATE}/s`,
    "answer p50 ms",
    "connect CPU ms runtime / tree",
    "JS heap KB/socket",
    "lost / dup",
    "other processes, cores",
  ];
  const lines = [
    ...pointRows("K=1", single?.points ?? [], model.unsharded?.runtime),
    ...pointRows(`K=${sharded?.roomShards ?? "?"}`, sharded?.points ?? [], model.sharded?.runtime),
  ];
  const out = [markdownTable(header, lines), ""];
  const line = (what: string, fit: Fit | undefined, unit: string, digits: number) => {
    if (fit !== undefined) out.push(`${what}: ${terms(fit, digits).join(", ")} ${unit}; R² ${fmt(fit.rSquared, 4)}`);
  };
  line("sharded, runtime workerd, µs per publish = a + b·live + c·N", model.sharded?.runtime, "µs", 1);
  line("sharded, whole tree (dev-only node and proxy too)", model.sharded?.tree, "µs", 1);
  line("unsharded, runtime workerd, µs per publish = a₁ + c₁·N", model.unsharded?.runtime, "µs", 1);
  line("unsharded, whole tree", model.unsharded?.tree, "µs", 1);
  line(`latency p50 at ${LATENCY_RATE}/s, one socket per shard, ms = α + β·live`, model.latency, "ms", 2);
  for (const note of model.notes) out.push(`! ${note}`);
  return out.join("\n");
}
