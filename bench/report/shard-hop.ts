// K shards against one, from the default run's `gateway` and `gateway-sharded` columns: what the
// extra hop (room object → shard object → sockets) costs, against the sharding goals. On this machine
// every object runs on one workerd thread, so sharding cannot raise throughput here; the figures
// are the hop's price in CPU per delivery and in latency at the same offered load.

import type { PhaseResult } from "../load/phases.ts";
import { phaseOf, phasesOf, type TargetResult } from "./results.ts";

export const GOALS = { cpuPerDelivery: 1.15, p99: 1.3 } as const;

/** CPU per delivery, K shards over one: the runtime workerd (where the hop runs) and the whole tree. */
type CpuRatio = { runtime: number; tree: number };

export type ShardingVerdict = {
  shards: number;
  rate?: {
    /** R × N: the deliveries per second both gateways were offered. */
    offeredDeliveriesPerSecond: number;
    /** Both delivered at least 90% of it: otherwise the latencies are queueing and the ratio says little. */
    bothWithinCapacity: boolean;
    cpuPerDelivery: CpuRatio;
    p50: number;
    p99: number;
  };
  saturate?: { cpuPerDelivery: CpuRatio; deliveriesPerSecond: number };
  /** The sharded gateway, every phase. */
  lost: number;
  duplicated: number;
};

const RUNTIME = "workerd-runtime";

const runtimePerDelivery = (p: PhaseResult) => (p.serverCpuByRole[RUNTIME] ?? Number.NaN) / p.received;
const keptUp = (p: PhaseResult) =>
  p.offeredPerSecond !== undefined && p.deliveriesPerSecond >= 0.9 * p.offeredPerSecond * p.subscribers;

function cpuRatio(sharded: PhaseResult, single: PhaseResult): CpuRatio {
  return {
    runtime: runtimePerDelivery(sharded) / runtimePerDelivery(single),
    tree: sharded.serverCpuSecondsPer1000Deliveries / single.serverCpuSecondsPer1000Deliveries,
  };
}

export function shardingVerdict(results: readonly TargetResult[], shards: number): ShardingVerdict | undefined {
  const single = results.find((r) => r.name === "gateway");
  const sharded = results.find((r) => r.name === "gateway-sharded");
  if (single?.fanouts === undefined || sharded?.fanouts === undefined) return undefined;
  const verdict: ShardingVerdict = {
    shards,
    lost: phasesOf(sharded).reduce((n, p) => n + p.lost, 0),
    duplicated: phasesOf(sharded).reduce((n, p) => n + p.duplicates, 0),
  };
  const [rs, r1] = [phaseOf(sharded, "rate"), phaseOf(single, "rate")];
  if (rs !== undefined && r1 !== undefined)
    verdict.rate = {
      offeredDeliveriesPerSecond: (r1.offeredPerSecond ?? Number.NaN) * r1.subscribers,
      bothWithinCapacity: keptUp(rs) && keptUp(r1),
      cpuPerDelivery: cpuRatio(rs, r1),
      p50: rs.latencyMs.p50 / r1.latencyMs.p50,
      p99: rs.latencyMs.p99 / r1.latencyMs.p99,
    };
  const [ss, s1] = [phaseOf(sharded, "saturate"), phaseOf(single, "saturate")];
  if (ss !== undefined && s1 !== undefined)
    verdict.saturate = {
      cpuPerDelivery: cpuRatio(ss, s1),
      deliveriesPerSecond: ss.deliveriesPerSecond / s1.deliveriesPerSecond,
    };
  return verdict;
}

const x = (v: number) => `${v.toFixed(2)}×`;
const met = (ok: boolean) => (ok ? "met" : "NOT met");

export function renderVerdict(v: ShardingVerdict): string[] {
  const k = `K=${v.shards}`;
  const out = [
    `Sharding's price, ${k} over K=1 (goals: CPU per delivery ≤ ${GOALS.cpuPerDelivery}×, p99 ≤ ${GOALS.p99}× ` +
      "at the same offered load, 0 lost or duplicated; one workerd thread runs every object here):",
  ];
  const { rate, saturate } = v;
  if (rate !== undefined) {
    const offered = Math.round(rate.offeredDeliveriesPerSecond).toLocaleString("en-US");
    out.push(
      `  rate, ${offered} deliveries/s offered to both (${rate.bothWithinCapacity ? "both within capacity" : "NOT both within capacity: lower --rate"}): ` +
        `CPU per delivery ${x(rate.cpuPerDelivery.runtime)} runtime workerd (${x(rate.cpuPerDelivery.tree)} whole tree); ` +
        `latency p50 ${x(rate.p50)}, p99 ${x(rate.p99)}`,
    );
  }
  if (saturate !== undefined)
    out.push(
      `  saturate: CPU per delivery ${x(saturate.cpuPerDelivery.runtime)} runtime workerd (${x(saturate.cpuPerDelivery.tree)} whole tree); ` +
        `deliveries/s ${x(saturate.deliveriesPerSecond)}`,
    );
  out.push(`  lost / duplicated (${k}, every phase): ${v.lost} / ${v.duplicated}`);
  const verdicts = [`delivery ${met(v.lost === 0 && v.duplicated === 0)}`];
  if (rate !== undefined)
    verdicts.unshift(
      `CPU per delivery (rate, runtime) ${met(rate.cpuPerDelivery.runtime <= GOALS.cpuPerDelivery)}`,
      // Over capacity, both latencies are queues: their ratio says nothing about the hop.
      rate.bothWithinCapacity ? `p99 ${met(rate.p99 <= GOALS.p99)}` : "p99 not judged (over capacity)",
    );
  out.push(`  goals: ${verdicts.join(", ")}`);
  return out;
}
