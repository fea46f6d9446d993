// What each `--mode` runs: its phases, the targets it measures unless `--targets` says otherwise,
// and the A/B pairs its comparison table holds side by side. Pure data; load/sessions.ts turns the
// phases into sessions, report/sections.ts picks the tables that apply.
import type { TargetName } from "./target-specs.ts";

export const MODES = [
  "rate",
  "saturate",
  "connect",
  "all",
  "shard-costs",
  "delivery",
  "filter",
  "room-cpu",
  "compression",
  "storm",
  "control-keys",
  "webhooks",
  "usage",
] as const;
export type Mode = (typeof MODES)[number];

/**
 * The phases that publish to the open sockets of one room; load/sessions.ts says which subscribers
 * each needs. `saturate` keeps `--in-flight` publishes in flight (32), `saturate-light`
 * `--light-in-flight` (8). `http-*` and `ws-*` publish the same messages over HTTP and over a
 * publishing socket (the room's share alone), one or 8 in flight. `json-*` publish realistic
 * JSON of 256 B and 4 KiB (the compression mode).
 */
export const FANOUT_PHASES = [
  "rate",
  "saturate",
  "saturate-light",
  "saturate-batch",
  "batch-publish",
  "filter",
  "filter-control",
  "http-serial",
  "ws-serial",
  "http-light",
  "ws-light",
  "json-256",
  "json-4k",
  "batch-json-256",
  "batch-json-4k",
] as const;
export type FanoutPhase = (typeof FANOUT_PHASES)[number];
export type Phase = FanoutPhase | "connect" | "shard-costs" | "storm" | "join-leave";

export type ModeSpec = {
  phases: readonly Phase[];
  targets: readonly TargetName[];
  /** `--shards` when not given (K of targets with ROOM_SHARDS in their vars). */
  shards?: number;
  /** Whether clients connect to the runtime workerd itself when `--direct` is not given. */
  direct?: boolean;
  /**
   * A/B pairs: the tables hold each `with` against its `without`, in a column titled `label`. With
   * `within` (0.1 = 10%), the A/B table says whether `with` met the goal: deliveries/s at least
   * (1 − within)× `without`'s, and the runtime's CPU per delivery and per connect and connect p99
   * at most (1 + within)×.
   */
  compare?: readonly { without: TargetName; with: TargetName; label: string; within?: number }[];
};

const BASE_TARGETS: readonly TargetName[] = ["gateway", "gateway-sharded", "bare-do", "bare-ws"];
const SPLIT: readonly Phase[] = ["http-serial", "ws-serial", "http-light", "ws-light"];
/** The gateway's delivery modes against the bare DO (report/gateway-vs-bare.ts). */
const DELIVERY: readonly Phase[] = ["saturate", "saturate-light", "saturate-batch", "batch-publish"];

export const MODE_SPECS: Record<Mode | "default", ModeSpec> = {
  default: { phases: ["rate", "saturate"], targets: BASE_TARGETS },
  rate: { phases: ["rate"], targets: BASE_TARGETS },
  saturate: { phases: ["saturate"], targets: BASE_TARGETS },
  connect: { phases: ["connect"], targets: BASE_TARGETS },
  all: {
    phases: ["rate", ...DELIVERY, "filter", "filter-control", ...SPLIT, "connect"],
    targets: BASE_TARGETS,
  },
  "shard-costs": { phases: ["shard-costs"], targets: ["gateway", "gateway-sharded"], shards: 16 },
  delivery: { phases: [...DELIVERY, "connect"], targets: ["gateway", "bare-do"] },
  // The filtered run against the unfiltered `saturate` phase, and against a control with its
  // publishes and deliveries but no filter (report/filter-cost.ts).
  filter: { phases: ["saturate", "filter", "filter-control"], targets: ["gateway"] },
  // A publish's CPU on the room object apart from the Worker's (report/room-share.ts).
  "room-cpu": { phases: SPLIT, targets: ["gateway", "bare-do"] },
  // Each server twice, its clients offering permessage-deflate (as browsers do) and not, straight
  // to the runtime workerd, which then compresses (report/ab-table.ts).
  compression: {
    phases: ["json-256", "json-4k", "batch-json-256", "batch-json-4k"],
    targets: ["gateway", "gateway-deflate", "bare-do", "bare-do-deflate"],
    direct: true,
    compare: [
      { without: "gateway", with: "gateway-deflate", label: "gw deflate/not" },
      { without: "bare-do", with: "bare-do-deflate", label: "DO deflate/not" },
    ],
  },
  storm: { phases: ["storm"], targets: ["gateway", "gateway-sharded", "bare-do-resume"], shards: 8 },
  // Features on against off, each its own mode so the two sides of a pair run minutes apart, not a
  // run's length (report/ab-table.ts). Runtime keys: the same ES256 tokens and publishes, keys from
  // secrets or from the operator API; `http-light` is the HTTP publish's own cost (one subscriber).
  "control-keys": {
    phases: ["saturate", "saturate-light", "http-light", "connect"],
    targets: ["gateway-jwks", "gateway-runtime-keys"],
    compare: [{ without: "gateway-jwks", with: "gateway-runtime-keys", label: "runtime/secret", within: 0.1 }],
  },
  // An endpoint for every event: `ws-light` publishes over a socket (a message.published event
  // each); the join/leave storm counts what the receiver gets (report/join-leave.ts).
  webhooks: {
    phases: ["saturate", "saturate-light", "ws-light", "connect", "join-leave"],
    targets: ["gateway", "gateway-webhooks"],
    compare: [{ without: "gateway", with: "gateway-webhooks", label: "hooks/none", within: 0.1 }],
  },
  usage: {
    phases: ["saturate", "saturate-light", "connect"],
    targets: ["gateway-usage-off", "gateway"],
    compare: [{ without: "gateway-usage-off", with: "gateway", label: "usage on/off", within: 0.05 }],
  },
};

export function isMode(s: string): s is Mode {
  return (MODES as readonly string[]).includes(s);
}

export function fanoutPhases(phases: readonly Phase[]): FanoutPhase[] {
  return phases.filter((p): p is FanoutPhase => (FANOUT_PHASES as readonly string[]).includes(p));
}
