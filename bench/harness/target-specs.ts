// The servers the benchmark can measure, by name: a base server (the gateway, the bare hibernating
// Durable Object, the bare Node `ws` server) and what this one changes on it (wrangler vars and
// compatibility flags). Every target of a run gets the same load, so an A/B comparison (a feature
// on against off) is one more entry here plus a mode that names both (harness/modes.ts).

export type ServerKind = "gateway" | "bare-do" | "bare-ws";

export type TargetSpec = {
  server: ServerKind;
  /** The column title; `shards` is `--shards`, the K of the sharded gateway. */
  title: (shards: number) => string;
  /** `wrangler dev --var NAME:value`, applied over the config's (or environment's) vars. */
  vars?: (shards: number) => Record<string, string>;
  /** Secrets added to the run's in its `--env-file` (gateway targets), e.g. a feature's key. */
  secrets?: () => Record<string, string>;
  /** `wrangler dev --compatibility-flags`; neither wrangler.toml sets any, so nothing is replaced. */
  compatibilityFlags?: readonly string[];
  /** Its clients offer permessage-deflate, as every browser does (the others offer nothing). */
  clientDeflate?: true;
};

export const TARGETS = {
  gateway: { server: "gateway", title: () => "gateway" },
  "gateway-sharded": {
    server: "gateway",
    title: (k) => `gateway K=${k}`,
    vars: (k) => ({ ROOM_SHARDS: String(k) }),
  },
  "bare-do": { server: "bare-do", title: () => "bare DO" },
  "bare-ws": { server: "bare-ws", title: () => "bare ws" },
  // Clients that offer permessage-deflate, which workerd accepts (the compression mode's B side).
  "gateway-deflate": { server: "gateway", title: () => "gateway, deflate", clientDeflate: true },
  "bare-do-deflate": { server: "bare-do", title: () => "bare DO, deflate", clientDeflate: true },
  // The bare DO with the least a resume needs (baselines/bare-do/worker.js): a seq, a history
  // table and `?since=` replay. The reconnect storm's baseline; the plain bare DO keeps none of it.
  "bare-do-resume": { server: "bare-do", title: () => "bare DO + resume", vars: () => ({ RESUME: "on" }) },
} as const satisfies Record<string, TargetSpec>;

export type TargetName = keyof typeof TARGETS;
export const TARGET_NAMES = Object.keys(TARGETS) as TargetName[];

export function isTargetName(s: string): s is TargetName {
  return Object.hasOwn(TARGETS, s);
}

export const specOf = (name: TargetName): TargetSpec => TARGETS[name];

/** Targets with the gateway's features: batch frames and publishes, filters, room layouts, resume. */
export const isGateway = (name: TargetName): boolean => specOf(name).server === "gateway";

/** ROOM_SHARDS a gateway target runs with (1 unless its vars say otherwise). */
export function roomShardsOf(name: TargetName, shards: number): number {
  const value = specOf(name).vars?.(shards).ROOM_SHARDS;
  return value === undefined ? 1 : Number(value);
}
