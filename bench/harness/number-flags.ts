// The bench's numeric settings: flag, environment variable, bounds, default and help line. Bounds
// keep every loop finite: no setting can ask for unbounded sockets, messages or time.
import { MODE_SPECS } from "./modes.ts";

export type NumberSpec = { flag: string; env: string; min: number; max: number; fallback: number; help: string };

export const NUMBERS = {
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
  lightInFlight: {
    flag: "light-in-flight",
    env: "BENCH_LIGHT_IN_FLIGHT",
    min: 1,
    max: 64,
    fallback: 8,
    help: "publishes in flight in the light phases",
  },
  shards: {
    flag: "shards",
    env: "BENCH_SHARDS",
    min: 2,
    max: 64,
    fallback: 4,
    help: `K, ROOM_SHARDS of gateway-sharded (shard-costs: ${MODE_SPECS["shard-costs"].shards}, storm: ${MODE_SPECS.storm.shards})`,
  },
  // 10,000 is the large storm; the per-room cap of the bench environment is 32,768.
  stormSockets: {
    flag: "storm-sockets",
    env: "BENCH_STORM_SOCKETS",
    min: 2,
    max: 10_000,
    fallback: 2_000,
    help: "sockets the reconnect storm drops",
  },
  stormConcurrency: {
    flag: "storm-concurrency",
    env: "BENCH_STORM_CONCURRENCY",
    min: 1,
    max: 1_000,
    fallback: 100,
    help: "reconnects in flight during the storm",
  },
  // N x R deliveries/s of live traffic through the storm: 2,000 x 5 = 10,000/s, a third of the
  // gateway's capacity here, so the storm, not the traffic, is what is measured.
  stormRate: {
    flag: "storm-rate",
    env: "BENCH_STORM_RATE",
    min: 1,
    max: 100,
    fallback: 5,
    help: "publishes/s through the storm",
  },
  hookCycles: {
    flag: "hook-cycles",
    env: "BENCH_HOOK_CYCLES",
    min: 1,
    max: 10_000,
    fallback: 1_000,
    help: "users who join and leave in the join/leave storm (--mode webhooks)",
  },
  // `--mode all` ran over 20 minutes on a busy 2-core machine (every target, every session).
  timeoutSeconds: {
    flag: "timeout",
    env: "BENCH_TIMEOUT",
    min: 10,
    max: 7_200,
    fallback: 3_600,
    help: "hard limit, s",
  },
} as const satisfies Record<string, NumberSpec>;
