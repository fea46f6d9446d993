// `npm run bench`: the same load against the gateway and its baselines (a bare hibernating Durable
// Object, a bare Node `ws` server) or against variants of one server, one after another (never at
// once), then one table, the sections that apply, and a JSON record.
//
// Each wrangler target is its own `wrangler dev` process tree, started fresh for each session and
// stopped before the next one starts. All run on the same wrangler and workerd binaries with the same
// flags and the gateway's compatibility date, so the only difference is the Worker code (and what a
// target's spec changes); separate trees keep each target's /proc CPU and RSS its own.
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { UsageError } from "../scripts/lib/cli.ts";
import { gatewaySource } from "./harness/gateway-source.ts";
import { gitInfo, machineInfo } from "./harness/machine.ts";
import { type BenchOptions, parseOptions, usage } from "./harness/options.ts";
import { killAllServers } from "./harness/processes.ts";
import { measureAll } from "./measure.ts";
import { ratios, renderTable, rowsFor, warnings } from "./report/main-table.ts";
import { type BenchRecord, writeRecord } from "./report/record.ts";
import { SECTIONS } from "./report/sections.ts";

const REPO_ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));

function parameters(o: BenchOptions, gateway: string): string {
  const storm = o.phases.includes("storm")
    ? ` storm N=${o.stormSockets} (${o.stormConcurrency} reconnects in flight, ${o.stormRate} publishes/s)`
    : "";
  const hooks = o.phases.includes("join-leave") ? ` join/leave storm: ${o.hookCycles} users` : "";
  return (
    `mode ${o.mode}: N=${o.subscribers} M=${o.messages} R=${o.rate}/s payload=${o.payloadBytes} B ` +
    `in-flight=${o.saturateInFlight} light=${o.lightInFlight} batch-publish=${o.batchMessages} ` +
    `connect N=${o.connectSockets} (concurrency ${o.connectConcurrency}) K=${o.shards}${storm}${hooks} ` +
    `clients ${o.direct ? "straight to the runtime workerd" : "through wrangler's proxy"}; gateway: ${gateway}`
  );
}

async function main(options: BenchOptions): Promise<void> {
  const started = new Date();
  const source = await gatewaySource(REPO_ROOT, options.gatewayRef, options.gatewayDir);
  let measured: Awaited<ReturnType<typeof measureAll>>;
  try {
    measured = await measureAll(REPO_ROOT, options, source);
  } finally {
    await source.dispose();
  }
  const { results } = measured;
  const rows = rowsFor(options);
  const sections: BenchRecord["sections"] = {};
  const texts: string[] = [];
  for (const s of SECTIONS) {
    const out = s.run(results, options);
    if (out === undefined) continue;
    sections[s.id] = out.figures;
    texts.push(out.text);
  }
  const record: BenchRecord = {
    date: started.toISOString(),
    machine: await machineInfo(REPO_ROOT, measured.workerdExe),
    gateway: source.label,
    git: gitInfo(REPO_ROOT),
    parameters: options,
    results,
    ratios: ratios(results, rows, options),
    sections,
  };
  const m = record.machine;
  console.log(
    `\n${m.cpuModel}, ${m.cores} cores, node ${m.node}, wrangler ${m.wrangler}, ${m.workerd}; ${record.date}\n` +
      `${parameters(options, source.label)}\n`,
  );
  if (rows.length > 0) console.log(renderTable(results, rows, options));
  for (const text of texts) console.log(`\n${text}`);
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
