// The JSON record of a run (bench/results/<timestamp>.json): machine, versions, git state,
// parameters, every figure, the ratios, and each report section's judged rows.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { GitInfo, MachineInfo } from "../harness/machine.ts";
import type { BenchOptions } from "../harness/options.ts";
import type { Ratios } from "./main-table.ts";
import type { TargetResult } from "./results.ts";

export type BenchRecord = {
  date: string;
  machine: MachineInfo;
  /** Which gateway code ran: the working tree, a commit, or a directory. */
  gateway: string;
  git: GitInfo;
  parameters: BenchOptions;
  results: TargetResult[];
  ratios: Ratios;
  /** Each report section that applied to the run, by id (report/sections.ts). */
  sections: Record<string, unknown>;
};

export async function writeRecord(dir: string, record: BenchRecord): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${record.date.replace(/[:.]/g, "-")}.json`);
  // NaN is not JSON: a figure that could not be measured is written as null.
  const text = JSON.stringify(record, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2);
  await writeFile(file, `${text}\n`);
  return file;
}
