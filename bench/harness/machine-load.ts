// Other processes' CPU use. On a shared 2-core machine a compile or a test run next to the benchmark
// moves every figure, so each phase records how busy the rest of the machine was, and sessions wait
// (bounded) for it to calm down before starting.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { treeOf } from "./proc-tree.ts";
import { sleep } from "./processes.ts";

const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());

/** Busy CPU seconds of the whole machine since boot: /proc/stat's first line minus idle and iowait. */
export function machineBusySeconds(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? "";
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest is already counted in user).
  const busy = ticks.slice(0, 8).reduce((sum, t, i) => (i === 3 || i === 4 ? sum : sum + t), 0);
  return busy / CLK_TCK;
}

/** CPU seconds of this process and everything it started (the load generator and any server). */
function ownSeconds(): number {
  return treeOf(process.pid).reduce((sum, s) => sum + s.cpuTicks, 0) / CLK_TCK;
}

export type LoadMark = { at: number; busy: number; own: number };

export function markLoad(): LoadMark {
  return { at: performance.now(), busy: machineBusySeconds(), own: ownSeconds() };
}

/** Cores' worth of CPU that processes outside the benchmark used between two marks. */
export function foreignCores(from: LoadMark, to: LoadMark): number {
  const seconds = (to.at - from.at) / 1000;
  return seconds <= 0 ? 0 : Math.max(0, to.busy - from.busy - (to.own - from.own)) / seconds;
}

/**
 * Waits until the rest of the machine uses less than `threshold` cores over a 1 s window, for at
 * most `maxWaitMs`. Returns the last window's figure, so a busy run is visible in the results.
 */
export async function waitForQuiet(threshold: number, maxWaitMs: number): Promise<number> {
  const deadline = performance.now() + maxWaitMs;
  let last = 0;
  do {
    const from = markLoad();
    await sleep(1_000);
    last = foreignCores(from, markLoad());
    if (last < threshold) return last;
  } while (performance.now() < deadline);
  return last;
}
