// `npm test`: every vitest project, in two lanes side by side, then the load test alone. The e2e
// files spend most of their time waiting on `wrangler dev`, sockets and timers, and run one at a
// time; the in-workerd and Node projects keep a core busy. One vitest process would run the two
// lanes one after the other (a project without file parallelism runs last, alone), so each lane
// gets its own process. The load test (thousands of sockets; a gateway starved of CPU for seconds
// fails its publishes) runs last with the machine to itself. The other lane streams; the e2e
// lane's output is held and printed whole once both end, so neither report is shuffled into the
// other. Arguments (file filters, flags) mean a narrower run: they go to one plain `vitest run`.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { NODE, REPO_ROOT } from "./e2e/support/wrangler-dev.ts";

const VITEST = join(REPO_ROOT, "node_modules", "vitest", "vitest.mjs");
const FORWARDED_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

const LOAD_TEST = "test/e2e/load.e2e.test.ts";

type Lane = { name: string; args: string[]; held: boolean };

/** Lanes in one phase run side by side; the phases run one after the other. */
const PHASES: Lane[][] = [
  [
    { name: "e2e", args: ["--project", "e2e", "--exclude", LOAD_TEST], held: true },
    { name: "every other project", args: ["--project", "!e2e"], held: false },
  ],
  [{ name: "e2e load test", args: ["--project", "e2e", LOAD_TEST], held: false }],
];

/** Runs one vitest; resolves with its exit code (1 when a signal ended it) and, if held, its output. */
function run(args: string[], held: boolean): { exit: Promise<{ code: number; output: string }>; stop: () => void } {
  const child = spawn(NODE, [VITEST, "run", ...args], {
    cwd: REPO_ROOT,
    stdio: held ? ["ignore", "pipe", "pipe"] : "inherit",
  });
  let output = "";
  const hold = (chunk: Buffer) => {
    output += chunk.toString("utf8");
  };
  child.stdout?.on("data", hold);
  child.stderr?.on("data", hold);
  const exit = new Promise<{ code: number; output: string }>((resolve) => {
    child.once("error", (err) => resolve({ code: 1, output: `${output}\n${err.message}\n` }));
    child.once("exit", (code) => resolve({ code: code ?? 1, output }));
  });
  return { exit, stop: () => child.kill("SIGTERM") };
}

type Failure = { lane: Lane; code: number };
let signalled = false;

async function runPhase(lanes: Lane[]): Promise<Failure[]> {
  const started = lanes.map((lane) => ({ lane, ...run(lane.args, lane.held) }));
  // A supervisor that signals only this process still ends the runs (each cleans up its own
  // `wrangler dev`s); a Ctrl-C at the terminal reaches them directly as well.
  const stopAll = () => {
    signalled = true;
    for (const s of started) s.stop();
  };
  for (const signal of FORWARDED_SIGNALS) process.once(signal, stopAll);
  const results = await Promise.all(started.map(async (s) => ({ lane: s.lane, ...(await s.exit) })));
  for (const signal of FORWARDED_SIGNALS) process.removeListener(signal, stopAll);
  for (const { lane, output } of results) if (lane.held) process.stdout.write(`\n──── ${lane.name} ────\n${output}`);
  return results.filter((r) => r.code !== 0);
}

/** Every phase, even after a failure (a report should name every failing suite), unless signalled; the first failure's code. */
async function runPhases(): Promise<number> {
  const failed: Failure[] = [];
  for (const lanes of PHASES) if (!signalled) failed.push(...(await runPhase(lanes)));
  for (const { lane, code } of failed) console.error(`npm test: the ${lane.name} lane failed (vitest exit ${code})`);
  return failed[0]?.code ?? 0;
}

const extra = process.argv.slice(2);
process.exitCode = extra.length > 0 ? (await run(extra, false).exit).code : await runPhases();
