// `--mode shard-costs`: the capacity model's inputs. On one gateway server (ROOM_SHARDS 1, or K),
// each point is a fresh room with n subscribers placed evenly on `live` shards; it measures CPU per
// connect while opening them, latency and CPU per publish at a low fixed rate (nothing queues or
// overlaps), then CPU per publish with publishes saturated. Points: unsharded n = 1, N/2, N; sharded live =
// 1, 2, 4 … K with n = live (one socket per shard: the forwards dominate) and n = N (deliveries do).
// report/shard-cost-model.ts fits cost = a + b·live + c·n over them.

import type { BenchOptions } from "../harness/options.ts";
import { sampleTree } from "../harness/proc-tree.ts";
import { sleep } from "../harness/processes.ts";
import { step } from "../harness/progress.ts";
import type { RunningTarget } from "../harness/targets.ts";
import { type ConnectResult, openStep, room, warmIsolate } from "./connect.ts";
import { FrameSink } from "./deliveries.ts";
import { anomalous, checkLayout, publishPhases } from "./fanout.ts";
import type { PhaseResult } from "./phases.ts";
import { liveShardGrid, type ShardPlacement } from "./placement.ts";
import { singlePublishes } from "./publish.ts";
import { closeAll } from "./sockets.ts";

/**
 * Latency is read well below capacity (even 10/s × 500 sockets is a third of it), so nothing
 * queues; publishes do not overlap, so this phase's CPU is also a cost without batching under load.
 */
export const LATENCY_RATE = 10;
const LATENCY_MESSAGES = 100;
/** After a point's sockets close, the server's own CPU must fall below this before the next point… */
const IDLE_CORES = 0.05;
/** …for one window of this length, waiting at most SETTLE_LIMIT_MS. */
const IDLE_WINDOW_MS = 500;
const SETTLE_LIMIT_MS = 15_000;

export type ShardCostPoint = {
  /** Shards holding the room's sockets (1 for the unsharded room). */
  liveShards: number;
  subscribers: number;
  connect: ConnectResult;
  /** Rate phase at LATENCY_RATE: latency with nothing queued. */
  latency: PhaseResult;
  /** Saturated phase. */
  cost: PhaseResult;
  /** Server CPU µs per publish by process role, and `total`: saturated, and at LATENCY_RATE. */
  microsPerPublish: { saturated: Record<string, number>; atRate: Record<string, number> };
};

export type ShardCostsResult = {
  /** The server's ROOM_SHARDS. */
  roomShards: number;
  points: ShardCostPoint[];
  unexpectedCloses: Record<string, number>;
  serverLogTail?: string;
};

/** The points one server measures: (live shards, subscribers). */
export function shardCostPoints(roomShards: number, subscribers: number): { live: number; n: number }[] {
  if (roomShards === 1) return [...new Set([1, Math.ceil(subscribers / 2), subscribers])].map((n) => ({ live: 1, n }));
  return liveShardGrid(roomShards).flatMap((live) => [...new Set([live, subscribers])].map((n) => ({ live, n })));
}

/** Waits (bounded) until closing the last point's sockets has stopped costing the server CPU. */
async function settle(target: RunningTarget): Promise<void> {
  const deadline = performance.now() + SETTLE_LIMIT_MS;
  while (performance.now() < deadline) {
    const before = sampleTree(target.pid, target.port);
    await sleep(IDLE_WINDOW_MS);
    const after = sampleTree(target.pid, target.port);
    if ((after.cpuSeconds - before.cpuSeconds) / ((after.at - before.at) / 1000) < IDLE_CORES) return;
  }
}

function perPublish(phase: PhaseResult): Record<string, number> {
  const n = phase.publish.ok;
  const micros = (seconds: number) => (n === 0 ? Number.NaN : (seconds * 1e6) / n);
  return {
    ...Object.fromEntries(Object.entries(phase.serverCpuByRole).map(([role, s]) => [role, micros(s)])),
    total: micros(phase.serverCpuSeconds),
  };
}

async function measurePoint(
  target: RunningTarget,
  options: BenchOptions,
  live: number,
  n: number,
  sink: FrameSink,
): Promise<ShardCostPoint> {
  const r = room();
  const label = `live shards ${live}, N=${n}: `;
  const publication = singlePublishes(options.payloadBytes);
  const opened = await openStep({ target, room: r, count: n, options, sink, label });
  try {
    if (opened.sockets.length !== n) throw new Error(`${label}only ${opened.sockets.length} of ${n} sockets opened`);
    await checkLayout(target, r, n);
    const [latency, cost] = await publishPhases(
      { target, room: r, subscribers: n, sink },
      [
        { name: "rate", phase: { kind: "rate", rate: LATENCY_RATE }, messages: LATENCY_MESSAGES, publication },
        {
          name: "saturate",
          phase: { kind: "saturate", inFlight: options.saturateInFlight },
          messages: options.messages,
          publication,
        },
      ],
      label,
    );
    if (latency === undefined || cost === undefined) throw new Error(`${label}a phase is missing`);
    return {
      liveShards: live,
      subscribers: n,
      connect: opened.result,
      latency,
      cost,
      microsPerPublish: { saturated: perPublish(cost), atRate: perPublish(latency) },
    };
  } finally {
    closeAll(opened.sockets);
    await settle(target);
  }
}

/** Every point of one gateway server; `placement` decides which user (so which shard) each subscriber is. */
export async function runShardCosts(
  target: RunningTarget,
  options: BenchOptions,
  placement: ShardPlacement,
): Promise<ShardCostsResult> {
  const roomShards = target.rooms?.shards;
  if (roomShards === undefined) throw new Error(`${target.name}: shard costs are measured on gateway targets only`);
  // The throwaway warm-up socket is subscriber 0 too.
  placement.place(1, 1);
  await step(
    target.name,
    "warm-up",
    () => warmIsolate(target, options),
    () => "server warmed up",
  );
  const sink = new FrameSink();
  const points: ShardCostPoint[] = [];
  for (const { live, n } of shardCostPoints(roomShards, options.subscribers)) {
    placement.place(live, n);
    points.push(await measurePoint(target, options, live, n, sink));
  }
  return {
    roomShards,
    points,
    unexpectedCloses: sink.closes,
    ...(anomalous(
      sink,
      points.flatMap((p) => [p.latency, p.cost]),
    )
      ? { serverLogTail: target.logs() }
      : {}),
  };
}
