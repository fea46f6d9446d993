// Benchmark parameters from flags (`--subscribers 500`) or environment (`BENCH_SUBSCRIBERS=500`);
// flags win. Checked once, with a message naming the bad setting.
import { type ParseArgsOptionsConfig, parseArgs } from "node:util";
import { parseFlags, UsageError } from "../../scripts/lib/cli.ts";

export const MODES = ["rate", "saturate", "connect", "all", "shard-costs", "delivery", "filter"] as const;
export type Mode = (typeof MODES)[number];
/**
 * The phases that publish to the open sockets of one room. `saturate-batch` and `batch-publish`
 * publish to `?batch=1` subscribers (singly, and 100 messages per request), `filter` to subscribers
 * in filter groups, `filter-control` to N/5 unfiltered ones: bench/sessions.ts says which
 * subscribers each phase needs.
 */
export const FANOUT_PHASES = [
  "rate",
  "saturate",
  "saturate-batch",
  "batch-publish",
  "filter",
  "filter-control",
] as const;
export type FanoutPhase = (typeof FANOUT_PHASES)[number];
export type Phase = FanoutPhase | "connect" | "shard-costs";
const PHASES_OF: Record<Mode | "default", Phase[]> = {
  rate: ["rate"],
  saturate: ["saturate"],
  connect: ["connect"],
  all: ["rate", "saturate", "saturate-batch", "batch-publish", "filter", "filter-control", "connect"],
  "shard-costs": ["shard-costs"],
  // Issue 10's modes: each held against the bare DO's single saturated publishes (bench/delivery-report.ts).
  delivery: ["saturate", "saturate-batch", "batch-publish", "connect"],
  // Issue 11: the filtered run against the unfiltered `saturate` phase, and against a control with
  // its publishes and deliveries but no filter (bench/filter-report.ts).
  filter: ["saturate", "filter", "filter-control"],
  default: ["rate", "saturate"],
};
export const TARGET_NAMES = ["gateway", "gateway-sharded", "bare-do", "bare-ws"] as const;
export type TargetName = (typeof TARGET_NAMES)[number];
/** The targets with the gateway's features (batch frames and publishes, filters, room layouts). */
export const GATEWAY_TARGETS: readonly TargetName[] = ["gateway", "gateway-sharded"];
/**
 * Targets a mode runs when none are named: shard costs and filters are the gateway's alone, and
 * issue 10's table holds the gateway against the bare DO only.
 */
const DEFAULT_TARGETS: Partial<Record<Mode, readonly TargetName[]>> = {
  "shard-costs": GATEWAY_TARGETS,
  delivery: ["gateway", "bare-do"],
  filter: ["gateway"],
};
/** The shard-costs mode spreads subscribers over 1, 2, 4 … K live shards; more points, a better fit. */
const SHARD_COSTS_DEFAULT_SHARDS = 16;

export function fanoutPhases(phases: readonly Phase[]): FanoutPhase[] {
  return phases.filter((p): p is FanoutPhase => (FANOUT_PHASES as readonly string[]).includes(p));
}

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
  /** ROOM_SHARDS of the `gateway-sharded` target (K; `gateway` runs with 1). */
  shards: number;
  /** What runs, in order; `--mode` picks it (default rate then saturate). */
  phases: Phase[];
  targets: TargetName[];
  /** Whole run, servers included; the run is killed past it. */
  timeoutSeconds: number;
  /** Where the JSON goes; `bench/results/` by default. */
  outDir: string | undefined;
  /** Measure the gateway at this git revision instead of the working tree. */
  gatewayRef: string | undefined;
  /** Or from this directory (a patched copy, for what-if experiments). */
  gatewayDir: string | undefined;
};

type Spec = { flag: string; env: string; min: number; max: number; fallback: number; help: string };

const NUMBERS = {
  subscribers: { flag: "subscribers", env: "BENCH_SUBSCRIBERS", min: 1, max: 5_000, fallback: 500, help: "N" },
  messages: { flag: "messages", env: "BENCH_MESSAGES", min: 1, max: 100_000, fallback: 200, help: "M" },
  // 40 requests of 100: the 8 in flight are not one burst, and 2M deliveries at N=500 take ~7 s here.
  batchMessages: {
    flag: "batch-messages",
    env: "BENCH_BATCH_MESSAGES",
    min: 100,
    max: 20_000,
    fallback: 4_000,
    help: "messages in the batch-publish phase",
  },
  // R x N = 5,000 deliveries/s: a third of the gateway's capacity here or less, so rate-mode latency
  // is the path's and not a queue's, and K shards can be held against one at the same offered load.
  rate: { flag: "rate", env: "BENCH_RATE", min: 1, max: 10_000, fallback: 10, help: "R publishes/s" },
  payloadBytes: { flag: "payload", env: "BENCH_PAYLOAD", min: 32, max: 60_000, fallback: 256, help: "bytes" },
  connectSockets: {
    flag: "connect-sockets",
    env: "BENCH_CONNECT_SOCKETS",
    min: 1,
    max: 8_000,
    fallback: 2_000,
    help: "N",
  },
  connectConcurrency: {
    flag: "connect-concurrency",
    env: "BENCH_CONNECT_CONCURRENCY",
    min: 1,
    max: 256,
    fallback: 16,
    help: "upgrades in flight",
  },
  // 32: enough that every target is the bottleneck, not the publishers. At 8 the bare DO gave ~9%
  // fewer deliveries/s here than at 32, so 8 measured the publishers' round trips as much as the server.
  saturateInFlight: {
    flag: "in-flight",
    env: "BENCH_IN_FLIGHT",
    min: 1,
    max: 64,
    fallback: 32,
    help: "saturate publishes in flight",
  },
  shards: {
    flag: "shards",
    env: "BENCH_SHARDS",
    min: 2,
    max: 64,
    fallback: 4,
    help: `K, ROOM_SHARDS of gateway-sharded (${SHARD_COSTS_DEFAULT_SHARDS} in shard-costs mode)`,
  },
  timeoutSeconds: {
    flag: "timeout",
    env: "BENCH_TIMEOUT",
    min: 10,
    max: 3_600,
    fallback: 1_200,
    help: "hard limit, s",
  },
} as const satisfies Record<string, Spec>;

const usageLine = (flag: string, env: string, help: string) => `  ${flag.padEnd(28)}${env.padEnd(28)}${help}`;

export function usage(): string {
  return [
    "npm run bench -- [options]   (flags win over environment variables)",
    ...Object.values(NUMBERS).map((s) => usageLine(`--${s.flag} <n>`, s.env, `${s.help} (default ${s.fallback})`)),
    usageLine("--mode <mode>", "BENCH_MODE", `${MODES.join("|")} (default: rate, then saturate)`),
    usageLine(
      "--targets <a,b>",
      "BENCH_TARGETS",
      `${TARGET_NAMES.join(",")} (default: all; ${Object.entries(DEFAULT_TARGETS)
        .map(([mode, targets]) => `${mode}: ${targets.join(",")}`)
        .join("; ")})`,
    ),
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
  const spec: Spec = NUMBERS[key];
  const raw = flags[NUMBERS[key].flag] ?? env[spec.env];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < spec.min || n > spec.max)
    throw new UsageError(`--${spec.flag} / ${spec.env} must be an integer ${spec.min}-${spec.max}, got ${raw}`);
  return n;
}

function isMode(s: string): s is Mode {
  return (MODES as readonly string[]).includes(s);
}

function isTarget(s: string): s is TargetName {
  return (TARGET_NAMES as readonly string[]).includes(s);
}

/** Parses the bench's own flags (unknown ones and stray arguments are usage errors). */
export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  const { values } = parseFlags(() => parseArgs({ args: [...argv], options: BENCH_FLAGS, strict: true }));
  return benchOptions(values, env);
}

/** BenchOptions from parsed flags, falling back to BENCH_* variables, then to the defaults. */
export function benchOptions(flags: BenchFlags, env: NodeJS.ProcessEnv): BenchOptions {
  const mode = flags.mode ?? env.BENCH_MODE ?? "";
  let phases: Phase[];
  if (mode === "") phases = PHASES_OF.default;
  else if (isMode(mode)) phases = PHASES_OF[mode];
  else throw new UsageError(`--mode / BENCH_MODE must be one of ${MODES.join(", ")}`);
  const defaultTargets = (isMode(mode) ? DEFAULT_TARGETS[mode] : undefined) ?? TARGET_NAMES;
  const targetList = (flags.targets ?? env.BENCH_TARGETS ?? defaultTargets.join(","))
    .split(",")
    .map((t) => t.trim())
    .filter(Boolean);
  const targets = targetList.filter(isTarget);
  if (targets.length === 0 || targets.length !== targetList.length)
    throw new UsageError(`--targets / BENCH_TARGETS must list some of ${TARGET_NAMES.join(", ")}`);
  const n = (key: keyof typeof NUMBERS) => numberOption(key, flags, env);
  const shards = numberOption("shards", flags, env, mode === "shard-costs" ? SHARD_COSTS_DEFAULT_SHARDS : undefined);
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
    shards,
    phases,
    targets,
    timeoutSeconds: n("timeoutSeconds"),
    outDir: flags.out ?? env.BENCH_OUT,
    gatewayRef: flags["gateway-ref"] ?? env.BENCH_GATEWAY_REF,
    gatewayDir: flags["gateway-dir"] ?? env.BENCH_GATEWAY_DIR,
  };
}
