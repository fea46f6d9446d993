// `node bench/profile.ts [--what publish|connect|storm] [--seconds 10] [--perf no] [--shared-token yes]
// [bench options]`: where a delivery's (or a connect's) CPU goes, gateway next to the bare Durable
// Object. `--shared-token yes` gives every socket the same token (a reconnect storm after a deploy,
// say), which the gateway's verified-token cache answers; by default each socket has its own. For each
// target: a plain window (CPU per unit by process, from /proc), then the same work again under a
// V8 CPU profile of the Worker isolate and `perf` on the runtime workerd when available. Profiling
// slows the runtime, so only the plain window's figures are costs; the profiles give the shares.
// `--what storm` profiles a reconnect storm (`--storm-sockets`) from the drop to the last resume, once.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type WebSocket from "ws";
import { parseFlags } from "../scripts/lib/cli.ts";
import { type FunctionTime, functionTimes, type Profile, startCpuProfile } from "./harness/cpu-profile.ts";
import { cycling, makeCredentials, mintSubscribers, numberedSubs } from "./harness/credentials.ts";
import { compatibilityDate, gatewaySource } from "./harness/gateway-source.ts";
import { BENCH_FLAGS, type BenchOptions, benchOptions } from "./harness/options.ts";
import { type PerfReport, recordPerf } from "./harness/perf-profile.ts";
import { cpuByRole, pidWithRole, sampleTree } from "./harness/proc-tree.ts";
import { killAllServers } from "./harness/processes.ts";
import { findBundle, moduleLines, partOfFrame, timeByPart } from "./harness/profile-parts.ts";
import { isGateway, type TargetName } from "./harness/target-specs.ts";
import { type RunningTarget, startTarget, type TargetContext } from "./harness/targets.ts";
import { warmIsolate } from "./load/connect.ts";
import { DeliveryLog, FrameSink } from "./load/deliveries.ts";
import { httpChannel, publishSaturated, singlePublishes } from "./load/publish.ts";
import { runStorm } from "./load/reconnect-storm.ts";
import { closeAll, connectSubscribers } from "./load/sockets.ts";

const REPO_ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const BATCH = 100;

type Window = { units: number; seconds: number; microsPerUnit: Record<string, number> };
type TargetProfile = {
  name: TargetName;
  unit: "delivery" | "connect" | "reconnect";
  plain: Window;
  profiled: Window;
  js: FunctionTime[];
  jsTotalMs: number;
  /** Sampled milliseconds by part (room object, Worker, GC …; harness/profile-parts.ts), gateway targets. */
  parts?: Record<string, number>;
  perf?: PerfReport;
};

/** Saturated publishing in batches until `seconds` pass; CPU per delivery by process role. */
async function saturateFor(
  t: RunningTarget,
  room: string,
  n: number,
  seconds: number,
  o: BenchOptions,
  sink: FrameSink,
): Promise<Window> {
  const before = sampleTree(t.pid, t.port);
  const end = performance.now() + seconds * 1000;
  let units = 0;
  // Bounded by the deadline; each batch is bounded by the publish timeouts.
  for (let base = 0; performance.now() < end; base += BATCH) {
    const log = new DeliveryLog(n, BATCH, base);
    sink.current = log;
    await publishSaturated(httpChannel(t, room, 1), log, singlePublishes(o.payloadBytes), o.saturateInFlight);
    units += log.received;
  }
  sink.current = undefined;
  const after = sampleTree(t.pid, t.port);
  const byRole = cpuByRole(before, after);
  const micros = Object.fromEntries(Object.entries(byRole).map(([role, s]) => [role, (s * 1e6) / units]));
  micros.total = ((after.cpuSeconds - before.cpuSeconds) * 1e6) / units;
  return { units, seconds: (after.at - before.at) / 1000, microsPerUnit: micros };
}

/** Opens `n` sockets in a fresh room; CPU per connect by process role. The sockets stay open. */
async function connectWindow(
  t: RunningTarget,
  n: number,
  o: BenchOptions,
  sink: FrameSink,
): Promise<{ w: Window; sockets: WebSocket[] }> {
  const before = sampleTree(t.pid, t.port);
  const { sockets } = await connectSubscribers(t, `profile-${crypto.randomUUID()}`, n, o.connectConcurrency, sink);
  const after = sampleTree(t.pid, t.port);
  const micros = Object.fromEntries(
    Object.entries(cpuByRole(before, after)).map(([r, s]) => [r, (s * 1e6) / sockets.length]),
  );
  micros.total = ((after.cpuSeconds - before.cpuSeconds) * 1e6) / sockets.length;
  return {
    w: { units: sockets.length, seconds: (after.at - before.at) / 1000, microsPerUnit: micros },
    sockets,
  };
}

type Plan = {
  name: TargetName;
  ctx: TargetContext;
  o: BenchOptions;
  seconds: number;
  perf: boolean;
  outDir: string;
  what: "publish" | "connect" | "storm";
};

/** Reduces a profile to functions and (for the gateway) parts; written beside the JSON. */
async function reduce(p: Plan, profile: Profile): Promise<Pick<TargetProfile, "js" | "jsTotalMs" | "parts">> {
  await writeFile(join(p.outDir, `profile-${p.what}-${p.name}-${Date.now()}.cpuprofile.json`), JSON.stringify(profile));
  const { totalMs, functions } = functionTimes(profile);
  const bundle = isGateway(p.name) ? findBundle(profile, p.ctx.gatewayRoot) : undefined;
  const parts = bundle && timeByPart(profile, partOfFrame(moduleLines(bundle.text), bundle.url));
  return { js: functions, jsTotalMs: totalMs, ...(parts ? { parts } : {}) };
}

/**
 * A reconnect storm (load/reconnect-storm.ts) with the V8 profiler attached from the drop until every
 * socket is resumed. One run only: its CPU figures are the storm's own, taken while profiled.
 */
async function profileStorm(p: Plan, t: RunningTarget): Promise<TargetProfile> {
  if (t.inspectorPort === undefined) throw new Error(`${p.name} has no inspector`);
  const port = t.inspectorPort;
  let stop: (() => Promise<Profile>) | undefined;
  let profile: Profile | undefined;
  const r = await runStorm(t, p.o, {
    atDrop: async () => {
      stop = await startCpuProfile(port);
    },
    atResumed: async () => {
      profile = await stop?.();
    },
  });
  if (profile === undefined) throw new Error("the storm ended before it was profiled");
  const per = (s: number) => (s * 1e6) / r.sockets;
  const microsPerUnit = Object.fromEntries(Object.entries(r.stormCpuByRole).map(([k, v]) => [k, per(v)]));
  microsPerUnit.total = per(r.stormCpuSeconds);
  const w: Window = { units: r.sockets, seconds: r.allResumedMs / 1000, microsPerUnit };
  return { name: p.name, unit: "reconnect", plain: w, profiled: w, ...(await reduce(p, profile)) };
}

async function profileTarget(p: Plan): Promise<TargetProfile> {
  const { name, ctx, o } = p;
  const t = await startTarget(name, ctx);
  const sink = new FrameSink();
  const open: WebSocket[] = [];
  try {
    await warmIsolate(t, o);
    if (p.what === "storm") return await profileStorm(p, t);
    const room = `profile-${crypto.randomUUID()}`;
    let plain: Window;
    if (p.what === "publish") {
      const { sockets } = await connectSubscribers(t, room, o.subscribers, o.connectConcurrency, sink);
      open.push(...sockets);
      await saturateFor(t, room, sockets.length, 2, o, sink);
      plain = await saturateFor(t, room, sockets.length, p.seconds, o, sink);
    } else {
      const c = await connectWindow(t, o.subscribers, o, sink);
      open.push(...c.sockets);
      plain = c.w;
    }
    if (t.inspectorPort === undefined) throw new Error(`${name} has no inspector`);
    const runtime = pidWithRole(t.pid, "workerd-runtime", t.port);
    const recording = p.perf && runtime !== undefined ? recordPerf(runtime, join(ctx.dir, "perf.data")) : undefined;
    const stopJs = await startCpuProfile(t.inspectorPort);
    let profiled: Window;
    if (p.what === "publish") profiled = await saturateFor(t, room, open.length, p.seconds, o, sink);
    else {
      const c = await connectWindow(t, o.subscribers, o, sink);
      open.push(...c.sockets);
      profiled = c.w;
    }
    const profile = await stopJs();
    const perfReport = await recording?.stop();
    const unit = p.what === "publish" ? "delivery" : "connect";
    return { name, unit, plain, profiled, ...(await reduce(p, profile)), ...(perfReport ? { perf: perfReport } : {}) };
  } finally {
    closeAll(open);
    await t.stop();
  }
}

function print(p: TargetProfile): void {
  const u = p.unit;
  const us = (r: Record<string, number>) =>
    Object.entries(r)
      .map(([k, v]) => `${k} ${v.toFixed(1)}`)
      .join(", ");
  const rate = (p.plain.units / p.plain.seconds).toFixed(0);
  console.log(
    `\n== ${p.name}: ${p.plain.units} ${u === "delivery" ? "deliveries" : `${u}s`} in ${p.plain.seconds.toFixed(1)} s (${rate}/s)`,
  );
  console.log(`CPU us/${u}, unprofiled: ${us(p.plain.microsPerUnit)}`);
  console.log(`CPU us/${u}, profiled:   ${us(p.profiled.microsPerUnit)}`);
  const per = (ms: number) => ((ms * 1000) / p.profiled.units).toFixed(2);
  console.log(`V8 profile: ${p.jsTotalMs.toFixed(0)} ms sampled; top self time (us/${u}, profiled):`);
  for (const f of [...p.js].sort((a, b) => b.selfMs - a.selfMs).slice(0, 25))
    console.log(`  ${per(f.selfMs).padStart(8)}  ${f.name}`);
  console.log(`top inclusive time (us/${u}, profiled):`);
  for (const f of [...p.js].sort((a, b) => b.totalMs - a.totalMs).slice(0, 25))
    console.log(`  ${per(f.totalMs).padStart(8)}  ${f.name}`);
  if (p.parts !== undefined) {
    console.log(`by part, outermost gateway frame (us/${u}, profiled; % of sampled):`);
    for (const [part, ms] of Object.entries(p.parts).sort((a, b) => b[1] - a[1]))
      console.log(`  ${per(ms).padStart(8)}  ${((100 * ms) / p.jsTotalMs).toFixed(1).padStart(5)}%  ${part}`);
  }
  if (p.perf === undefined) return;
  const runtimeUs = p.plain.microsPerUnit["workerd-runtime"] ?? 0;
  console.log(`perf, runtime workerd, by category (% of samples; share of the unprofiled us/${u}):`);
  for (const [c, pct] of Object.entries(p.perf.categories).sort((a, b) => b[1] - a[1]))
    console.log(`  ${pct.toFixed(1).padStart(5)}%  ${((pct * runtimeUs) / 100).toFixed(1).padStart(7)}  ${c}`);
  console.log("perf top symbols:");
  for (const s of p.perf.top.slice(0, 20)) console.log(`  ${s.percent.toFixed(2).padStart(5)}%  ${s.symbol}`);
}

async function main(): Promise<void> {
  const { values } = parseFlags(() =>
    parseArgs({
      options: {
        ...BENCH_FLAGS,
        seconds: { type: "string" },
        perf: { type: "string" },
        what: { type: "string" },
        "shared-token": { type: "string" },
      },
      strict: true,
    }),
  );
  const seconds = Number(values.seconds ?? 10);
  const perf = values.perf !== "no";
  const what = values.what === "connect" || values.what === "storm" ? values.what : "publish";
  const tokenCount = values["shared-token"] === "yes" ? 1 : undefined;
  const o = benchOptions(values, process.env);
  const source = await gatewaySource(REPO_ROOT, o.gatewayRef, o.gatewayDir);
  const credentials = await makeCredentials();
  const outDir = o.outDir ?? join(REPO_ROOT, "bench", "results");
  const results: TargetProfile[] = [];
  try {
    for (const name of o.targets.filter((n) => n !== "bare-ws")) {
      const dir = await mkdtemp(join(tmpdir(), `profile-${name}-`));
      try {
        const ctx: TargetContext = {
          repoRoot: REPO_ROOT,
          gatewayRoot: source.root,
          dir,
          credentials,
          subscriber: cycling(
            await mintSubscribers(credentials.jwtSecret, numberedSubs(tokenCount ?? o.subscribers + 1)),
          ),
          compatibilityDate: await compatibilityDate(source.root),
          shards: o.shards,
          direct: o.direct,
        };
        const p = await profileTarget({ name, ctx, o, seconds, perf, outDir, what });
        results.push(p);
        print(p);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await source.dispose();
  }
  const file = join(outDir, `profile-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  await writeFile(file, JSON.stringify({ gateway: source.label, parameters: o, results }, null, 2));
  console.log(`\nJSON: ${file}`);
}

/** Profiling is slower than benchmarking; past this the run is stopped and its servers killed. */
const HARD_LIMIT_MS = 15 * 60_000;

process.on("exit", killAllServers);
setTimeout(() => {
  console.error("profile: hard time limit reached");
  process.exit(124);
}, HARD_LIMIT_MS).unref();
process.on("SIGINT", () => process.exit(130));
process.on("SIGTERM", () => process.exit(143));
main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
