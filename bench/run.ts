// `npm run bench`: the same load against the gateway, a bare hibernating Durable Object and a bare
// Node `ws` server, one after another (never at once), then one table and a JSON record.
//
// Each wrangler target is its own `wrangler dev` process tree, started fresh for each session and
// stopped before the next one starts. Both run on the same wrangler and workerd binaries with the same
// flags and the gateway's compatibility date, so the only difference is the Worker code; separate
// trees keep each target's /proc CPU and RSS its own, and no other target runs while one is measured.
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { cpus, loadavg, release, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { UsageError } from "../scripts/lib/cli.ts";
import {
  type BenchCredentials,
  cycling,
  makeCredentials,
  mintSubscribers,
  numberedSubs,
} from "./harness/credentials.ts";
import { compatibilityDate, type GatewaySource, gatewaySource } from "./harness/gateway-source.ts";
import { waitForQuiet } from "./harness/machine-load.ts";
import {
  type BenchOptions,
  fanoutPhases,
  GATEWAY_TARGETS,
  parseOptions,
  type TargetName,
  usage,
} from "./harness/options.ts";
import { exeOf } from "./harness/proc-tree.ts";
import { killAllServers } from "./harness/processes.ts";
import { step } from "./harness/progress.ts";
import { type RunningTarget, startTarget, type TargetContext } from "./harness/targets.ts";
import { runConnect } from "./load/connect.ts";
import { runFanout } from "./load/fanout.ts";
import { ShardPlacement } from "./load/placement.ts";
import { sessionsFor } from "./load/sessions.ts";
import { runShardCosts } from "./load/shard-costs.ts";
import { filterComparison, renderFilterComparison } from "./report/filter-cost.ts";
import { deliveryGoals, renderDeliveryGoals } from "./report/gateway-vs-bare.ts";
import { ratios, renderTable, rowsFor, warnings } from "./report/main-table.ts";
import { type BenchRecord, type MachineInfo, writeRecord } from "./report/record.ts";
import type { TargetResult } from "./report/results.ts";
import { renderShardCosts, shardCostModel } from "./report/shard-cost-model.ts";
import { renderVerdict, shardingVerdict } from "./report/shard-hop.ts";

/** Sessions wait (at most QUIET_WAIT_MS) until other processes use less than this many cores. */
const QUIET_CORES = 0.2;
const QUIET_WAIT_MS = 30_000;

const REPO_ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));

function git(args: string[]): string {
  try {
    return execFileSync("git", args, { cwd: REPO_ROOT, encoding: "utf8" }).trim();
  } catch {
    return "";
  }
}

async function machineInfo(workerdExe: string | undefined): Promise<MachineInfo> {
  const pkg: unknown = JSON.parse(await readFile(join(REPO_ROOT, "node_modules", "wrangler", "package.json"), "utf8"));
  const wrangler = typeof pkg === "object" && pkg !== null && "version" in pkg ? String(pkg.version) : "unknown";
  let workerd = "unknown";
  if (workerdExe !== undefined) {
    try {
      workerd = execFileSync(workerdExe, ["--version"], { encoding: "utf8" }).trim();
    } catch {
      // Reported as unknown; the figures stand without it.
    }
  }
  return {
    cpuModel: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memoryBytes: totalmem(),
    os: `linux ${release()}`,
    node: process.version,
    wrangler,
    workerd,
    loadAverageAtStart: loadavg(),
  };
}

/** Runs one session on a fresh server in a fresh temp directory, and always stops it. */
async function withTarget<T>(
  name: TargetName,
  base: Omit<TargetContext, "dir">,
  onStart: (t: RunningTarget) => void,
  session: (t: RunningTarget) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), `bench-${name}-`));
  let target: RunningTarget | undefined;
  try {
    target = await step(
      name,
      "server start",
      () => startTarget(name, { ...base, dir }),
      (t) => `listening on port ${t.port}`,
    );
    onStart(target);
    const other = await waitForQuiet(QUIET_CORES, QUIET_WAIT_MS);
    if (other >= QUIET_CORES)
      console.error(`[bench] ${name}: machine still busy (${other.toFixed(2)} cores elsewhere)`);
    return await session(target);
  } catch (err) {
    const logs = target?.logs() ?? "";
    throw new Error(`${name}: ${err instanceof Error ? err.message : String(err)}${logs ? `\n${logs}` : ""}`);
  } finally {
    await target?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function benchTarget(
  name: TargetName,
  options: BenchOptions,
  base: Omit<TargetContext, "dir">,
  onStart: (t: RunningTarget) => void,
  placement: ShardPlacement | undefined,
): Promise<TargetResult> {
  const result: TargetResult = { name };
  try {
    for (const session of sessionsFor(fanoutPhases(options.phases), GATEWAY_TARGETS.includes(name))) {
      console.error(`[bench] ${name}: fan-out, ${session.sockets} subscribers (${session.phases.join(", ")})`);
      const fanout = await withTarget(name, base, onStart, (t) => runFanout(t, options, session));
      result.fanouts = [...(result.fanouts ?? []), fanout];
    }
    if (options.phases.includes("connect")) {
      console.error(`[bench] ${name}: connect ${options.connectSockets} sockets`);
      result.connect = await withTarget(name, base, onStart, (t) => runConnect(t, options));
    }
    if (placement !== undefined) {
      console.error(`[bench] ${name}: shard costs`);
      result.shardCosts = await withTarget(name, base, onStart, (t) => runShardCosts(t, options, placement));
    }
  } catch (err) {
    // One target failing still leaves the others' figures worth printing.
    result.error = err instanceof Error ? err.message : String(err);
    console.error(`[bench] ${result.error}`);
  }
  return result;
}

async function main(options: BenchOptions): Promise<void> {
  const source = await gatewaySource(REPO_ROOT, options.gatewayRef, options.gatewayDir);
  try {
    await measure(options, source);
  } finally {
    await source.dispose();
  }
}

async function measure(options: BenchOptions, source: GatewaySource): Promise<void> {
  const started = new Date();
  const credentials: BenchCredentials = await makeCredentials();
  // Shard costs place each point's subscribers on chosen shards; the other modes number them.
  const placement = options.phases.includes("shard-costs")
    ? await ShardPlacement.mint(credentials.jwtSecret, options.shards, options.subscribers)
    : undefined;
  const subscriber =
    placement === undefined
      ? cycling(
          await mintSubscribers(
            credentials.jwtSecret,
            numberedSubs(Math.max(options.subscribers, options.connectSockets) + 1),
          ),
        )
      : (k: number) => placement.subscriber(k);
  const base: Omit<TargetContext, "dir"> = {
    repoRoot: REPO_ROOT,
    gatewayRoot: source.root,
    credentials,
    subscriber,
    compatibilityDate: await compatibilityDate(source.root),
    shards: options.shards,
  };
  let workerdExe: string | undefined;
  const onStart = (t: RunningTarget) => {
    workerdExe ??= exeOf(t.pid, "workerd-runtime", t.port);
  };
  const results: TargetResult[] = [];
  for (const name of options.targets) results.push(await benchTarget(name, options, base, onStart, placement));
  const rows = rowsFor(options);
  const sharding = shardingVerdict(results, options.shards);
  const model = placement === undefined ? undefined : shardCostModel(results);
  const delivery = deliveryGoals(results, options);
  const filter = filterComparison(results);
  const record: BenchRecord = {
    date: started.toISOString(),
    machine: await machineInfo(workerdExe),
    gateway: source.label,
    git: {
      commit: git(["rev-parse", "HEAD"]),
      dirtyPaths: git(["status", "--porcelain", "--", "src", "wrangler.toml", "bench"]).split("\n").filter(Boolean),
    },
    parameters: options,
    results,
    ratios: ratios(results, rows),
    ...(sharding === undefined ? {} : { sharding }),
    ...(model === undefined ? {} : { shardCostModel: model }),
    ...(delivery === undefined ? {} : { deliveryGoals: delivery }),
    ...(filter === undefined ? {} : { filter }),
  };
  const m = record.machine;
  console.log(
    `\n${m.cpuModel}, ${m.cores} cores, node ${m.node}, wrangler ${m.wrangler}, ${m.workerd}; ${record.date}\n` +
      `N=${options.subscribers} M=${options.messages} R=${options.rate}/s payload=${options.payloadBytes} B ` +
      `in-flight=${options.saturateInFlight} batch-publish=${options.batchMessages} ` +
      `connect N=${options.connectSockets} (concurrency ${options.connectConcurrency}) ` +
      `K=${options.shards}; gateway: ${source.label}\n`,
  );
  if (rows.length > 0) console.log(renderTable(results, rows, options.shards));
  if (sharding !== undefined) console.log(`\n${renderVerdict(sharding).join("\n")}`);
  if (model !== undefined) console.log(renderShardCosts(results, model));
  if (delivery !== undefined) console.log(`\n${renderDeliveryGoals(delivery, options)}`);
  if (filter !== undefined) console.log(`\n${renderFilterComparison(filter, options)}`);
  for (const w of warnings(results)) console.log(`! ${w}`);
  const file = await writeRecord(options.outDir ?? join(REPO_ROOT, "bench", "results"), record);
  console.log(`\nJSON: ${file}`);
  if (results.some((r) => r.error !== undefined)) process.exitCode = 1;
}

function exitWith(code: number, why: string): void {
  console.error(`[bench] ${why}`);
  killAllServers();
  process.exit(code);
}

const argv = process.argv.slice(2);
if (argv.includes("--help") || argv.includes("-h")) {
  console.log(usage());
} else {
  let options: BenchOptions | undefined;
  try {
    options = parseOptions(argv, process.env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`${err.message}\n\n${usage()}`);
    process.exitCode = 2;
  }
  if (options !== undefined) {
    // Whatever ends the process, no server outlives it.
    process.on("exit", killAllServers);
    process.on("SIGINT", () => exitWith(130, "interrupted"));
    process.on("SIGTERM", () => exitWith(143, "terminated"));
    process.on("uncaughtException", (err) => exitWith(1, `uncaught: ${err.stack ?? String(err)}`));
    process.on("unhandledRejection", (err) => exitWith(1, `unhandled rejection: ${String(err)}`));
    const hardLimit = setTimeout(
      () => exitWith(124, `hard timeout of ${options?.timeoutSeconds} s reached`),
      options.timeoutSeconds * 1000,
    );
    hardLimit.unref();
    main(options).then(
      () => undefined,
      (err: unknown) => exitWith(1, err instanceof Error ? (err.stack ?? err.message) : String(err)),
    );
  }
}
