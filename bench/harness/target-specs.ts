// The servers the benchmark can measure, by name: a base server (the gateway, the bare hibernating
// Durable Object, the bare Node `ws` server) and what this one changes on it (wrangler vars and
// compatibility flags). Every target of a run gets the same load, so an A/B comparison (a feature
// on against off) is one more entry here plus a mode that names both (harness/modes.ts).

import { randomBytes } from "node:crypto";

/** The run's key that seals webhook signing secrets (32 random bytes, base64). */
const WEBHOOK_SECRET_KEY = randomBytes(32).toString("base64");

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
  /**
   * The credentials its clients use (harness/provision.ts). `secret` (the default): subscribers' HS256
   * tokens under JWT_SECRET, publishes with the API_KEYS key. `jwks`: ES256 tokens under the run's
   * signing key, given in JWT_JWKS, and the API_KEYS key. `runtime`: the same ES256 tokens and an API
   * key, but the key and the signing key are made through the operator API once the server is up.
   */
  keys?: "secret" | "jwks" | "runtime";
  /** A webhook receiver on loopback and an endpoint subscribed to every event, made before any session. */
  webhooks?: true;
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
  // The control plane's A/B: the same ES256 tokens and publishes, keys from secrets or from the operator API.
  "gateway-jwks": { server: "gateway", title: () => "gateway, keys in secrets", keys: "jwks" },
  "gateway-runtime-keys": { server: "gateway", title: () => "gateway, runtime keys", keys: "runtime" },
  // Webhooks' A/B: one endpoint (a loopback receiver answering 200) subscribed to every event.
  "gateway-webhooks": {
    server: "gateway",
    title: () => "gateway, webhooks",
    vars: () => ({ DEV_ALLOW_LOOPBACK_HTTP: "true" }),
    secrets: () => ({ WEBHOOK_SECRET_KEY: WEBHOOK_SECRET_KEY }),
    webhooks: true,
  },
  // Usage's A/B: the rooms count nothing (USAGE_METER=off); the plain gateway counts.
  "gateway-usage-off": { server: "gateway", title: () => "gateway, usage off", vars: () => ({ USAGE_METER: "off" }) },
} as const satisfies Record<string, TargetSpec>;

export type TargetName = keyof typeof TARGETS;
export const TARGET_NAMES = Object.keys(TARGETS) as TargetName[];

export function isTargetName(s: string): s is TargetName {
  return Object.hasOwn(TARGETS, s);
}

export const specOf = (name: TargetName): TargetSpec => TARGETS[name];

/** Targets with the gateway's features: batch frames and publishes, filters, room layouts, resume. */
export const isGateway = (name: TargetName): boolean => specOf(name).server === "gateway";

/** How a target's clients authenticate (target-specs `keys`). */
export const keysOf = (name: TargetName): "secret" | "jwks" | "runtime" => specOf(name).keys ?? "secret";

/** ROOM_SHARDS a gateway target runs with (1 unless its vars say otherwise). */
export function roomShardsOf(name: TargetName, shards: number): number {
  const value = specOf(name).vars?.(shards).ROOM_SHARDS;
  return value === undefined ? 1 : Number(value);
}
