// The JSON record of a run (bench/results/<timestamp>.json).
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { BenchOptions } from "../harness/options.ts";
import type { FilterComparison } from "./filter-cost.ts";
import type { GoalLine } from "./goals.ts";
import type { Ratios } from "./main-table.ts";
import type { TargetResult } from "./results.ts";
import type { ShardCostModel } from "./shard-cost-model.ts";
import type { ShardingVerdict } from "./shard-hop.ts";

export type MachineInfo = {
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  os: string;
  node: string;
  wrangler: string;
  workerd: string;
  loadAverageAtStart: number[];
};

export type BenchRecord = {
  date: string;
  machine: MachineInfo;
  /** Which gateway code ran: the working tree, a commit, or a directory. */
  gateway: string;
  git: { commit: string; dirtyPaths: string[] };
  parameters: BenchOptions;
  results: TargetResult[];
  ratios: Ratios;
  /** K shards against one, from the default run's gateway and gateway-sharded columns. */
  sharding?: ShardingVerdict;
  /** `--mode shard-costs`: the fitted cost lines. */
  shardCostModel?: ShardCostModel;
  /** Issue 10: each delivery mode of the gateway against the bare DO, with its goal. */
  deliveryGoals?: GoalLine[];
  /** Issue 11: the filtered run against the unfiltered one (with its goals) and against the control. */
  filter?: FilterComparison;
};

export async function writeRecord(dir: string, record: BenchRecord): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${record.date.replace(/[:.]/g, "-")}.json`);
  // NaN is not JSON: a figure that could not be measured is written as null.
  const text = JSON.stringify(record, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2);
  await writeFile(file, `${text}\n`);
  return file;
}
