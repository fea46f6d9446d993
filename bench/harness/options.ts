// Benchmark parameters from flags (`--subscribers 500`) or environment (`BENCH_SUBSCRIBERS=500`);
// flags win. Checked once, with a message naming the bad setting. What each mode runs is
// harness/modes.ts; which servers exist is harness/target-specs.ts.
import { type ParseArgsOptionsConfig, parseArgs } from "node:util";
import { parseFlags, UsageError } from "../../scripts/lib/cli.ts";
import { isMode, MODE_SPECS, MODES, type Mode, type Phase } from "./modes.ts";
import { NUMBERS, type NumberSpec } from "./number-flags.ts";
import { isTargetName, TARGET_NAMES, type TargetName } from "./target-specs.ts";

export type BenchOptions = {
  /** N: subscriber sockets of each fan-out session (the filter's control opens N/5). */
  subscribers: number;
  /** Publishes per measured phase (the filtered phase publishes this many per filter group). */
  messages: number;
  /** Messages in the batch-publish phase, sent 100 per request. */
  batchMessages: number;
  /** Publishes per second in rate mode. */
  rate: number;
  /** Serialized size of `payload` in bytes. */
  payloadBytes: number;
  /** Sockets opened in connect mode. */
  connectSockets: number;
  /** Upgrades in flight at once while connecting. */
  connectConcurrency: number;
  /** Publishes in flight at once in saturate mode. */
  saturateInFlight: number;
  /** Publishes in flight in the light phases (`saturate-light`, `http-light`, `ws-light`). */
  lightInFlight: number;
  /** Sockets the reconnect storm drops and reconnects. */
  stormSockets: number;
  /** Reconnects in flight at once during the storm. */
  stormConcurrency: number;
  /** Publishes per second through the storm (before, during and after it). */
  stormRate: number;
  /** Users who each join and leave once in the join/leave storm. */
  hookCycles: number;
  /** ROOM_SHARDS of the `gateway-sharded` target (K; `gateway` runs with 1). */
  shards: number;
  /** `--mode`, or "default" (rate, then saturate). */
  mode: Mode | "default";
  /** What runs, in order; the mode picks it. */
  phases: Phase[];
  targets: TargetName[];
  /**
   * Clients connect to the runtime workerd's own socket, not to wrangler's dev-only proxy on the
   * public port (which would otherwise terminate every connection and do the compressing).
   */
  direct: boolean;
  /** Whole run, servers included; the run is killed past it. */
  timeoutSeconds: number;
  /** Where the JSON goes; `bench/results/` by default. */
  outDir: string | undefined;
  /** Measure the gateway at this git revision instead of the working tree. */
  gatewayRef: string | undefined;
  /** Or from this directory (a patched copy, for what-if experiments). */
  gatewayDir: string | undefined;
};

const usageLine = (flag: string, env: string, help: string) => `  ${flag.padEnd(28)}${env.padEnd(28)}${help}`;

export function usage(): string {
  const defaults = MODES.map((mode) => `${mode}: ${MODE_SPECS[mode].targets.join(",")}`).join("; ");
  return [
    "npm run bench -- [options]   (flags win over environment variables)",
    ...Object.values(NUMBERS).map((s) => usageLine(`--${s.flag} <n>`, s.env, `${s.help} (default ${s.fallback})`)),
    usageLine("--mode <mode>", "BENCH_MODE", `${MODES.join("|")} (default: rate, then saturate)`),
    usageLine("--targets <a,b>", "BENCH_TARGETS", `${TARGET_NAMES.join(",")} (default by mode: ${defaults})`),
    usageLine("--direct on|off", "BENCH_DIRECT", "clients skip wrangler's dev proxy (compression: on)"),
    usageLine("--out <dir>", "BENCH_OUT", "JSON directory (default: bench/results)"),
    usageLine("--gateway-ref <rev>", "BENCH_GATEWAY_REF", "measure the gateway at a git revision (git archive)"),
    usageLine("--gateway-dir <dir>", "BENCH_GATEWAY_DIR", "measure the gateway in another directory"),
  ].join("\n");
}

/** Every bench flag, for `node:util` parseArgs; bench/profile.ts parses them next to its own. */
export const BENCH_FLAGS = {
  ...(Object.fromEntries(Object.values(NUMBERS).map((s) => [s.flag, { type: "string" }])) as Record<
    (typeof NUMBERS)[keyof typeof NUMBERS]["flag"],
    { type: "string" }
  >),
  mode: { type: "string" },
  targets: { type: "string" },
  direct: { type: "string" },
  out: { type: "string" },
  "gateway-ref": { type: "string" },
  "gateway-dir": { type: "string" },
} as const satisfies ParseArgsOptionsConfig;

export type BenchFlags = { [K in keyof typeof BENCH_FLAGS]?: string | undefined };

function numberOption(
  key: keyof typeof NUMBERS,
  flags: BenchFlags,
  env: NodeJS.ProcessEnv,
  fallback: number = NUMBERS[key].fallback,
): number {
  const spec: NumberSpec = NUMBERS[key];
  const raw = flags[NUMBERS[key].flag] ?? env[spec.env];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < spec.min || n > spec.max)
    throw new UsageError(`--${spec.flag} / ${spec.env} must be an integer ${spec.min}-${spec.max}, got ${raw}`);
  return n;
}

function switchOption(raw: string | undefined, fallback: boolean, name: string): boolean {
  if (raw === undefined || raw === "") return fallback;
  if (raw === "on" || raw === "off") return raw === "on";
  throw new UsageError(`${name} must be on or off, got ${raw}`);
}

function targetsOption(raw: string | undefined, fallback: readonly TargetName[]): TargetName[] {
  const list = (raw ?? fallback.join(","))
    .split(",")
    .map((t) => t.trim())
    .filter(Boolean);
  const targets = list.filter(isTargetName);
  if (targets.length === 0 || targets.length !== list.length)
    throw new UsageError(`--targets / BENCH_TARGETS must list some of ${TARGET_NAMES.join(", ")}`);
  return targets;
}

/** Parses the bench's own flags (unknown ones and stray arguments are usage errors). */
export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  const { values } = parseFlags(() => parseArgs({ args: [...argv], options: BENCH_FLAGS, strict: true }));
  return benchOptions(values, env);
}

/** BenchOptions from parsed flags, falling back to BENCH_* variables, then to the mode's defaults. */
export function benchOptions(flags: BenchFlags, env: NodeJS.ProcessEnv): BenchOptions {
  const raw = flags.mode ?? env.BENCH_MODE ?? "";
  if (raw !== "" && !isMode(raw)) throw new UsageError(`--mode / BENCH_MODE must be one of ${MODES.join(", ")}`);
  const mode = raw === "" ? "default" : raw;
  const spec = MODE_SPECS[mode];
  const n = (key: keyof typeof NUMBERS) => numberOption(key, flags, env);
  const shards = numberOption("shards", flags, env, spec.shards);
  if (mode === "shard-costs" && n("subscribers") < shards)
    throw new UsageError(
      `shard-costs puts a socket on each of ${shards} shards: --subscribers must be at least --shards`,
    );
  return {
    subscribers: n("subscribers"),
    messages: n("messages"),
    batchMessages: n("batchMessages"),
    rate: n("rate"),
    payloadBytes: n("payloadBytes"),
    connectSockets: n("connectSockets"),
    connectConcurrency: n("connectConcurrency"),
    saturateInFlight: n("saturateInFlight"),
    lightInFlight: n("lightInFlight"),
    stormSockets: n("stormSockets"),
    stormConcurrency: n("stormConcurrency"),
    stormRate: n("stormRate"),
    hookCycles: n("hookCycles"),
    shards,
    mode,
    phases: [...spec.phases],
    targets: targetsOption(flags.targets ?? env.BENCH_TARGETS, spec.targets),
    direct: switchOption(flags.direct ?? env.BENCH_DIRECT, spec.direct ?? false, "--direct / BENCH_DIRECT"),
    timeoutSeconds: n("timeoutSeconds"),
    outDir: flags.out ?? env.BENCH_OUT,
    gatewayRef: flags["gateway-ref"] ?? env.BENCH_GATEWAY_REF,
    gatewayDir: flags["gateway-dir"] ?? env.BENCH_GATEWAY_DIR,
  };
}
