// The environment of the in-workerd test projects (Node side, built by vitest.config.ts). Every
// variable and secret the gateway reads is pinned here, so nothing on the developer's machine — a
// `.dev.vars`, a `.env`, a shell with CLOUDFLARE_INCLUDE_PROCESS_ENV — changes a result: bindings
// given to the pool override whatever wrangler read beside wrangler.toml.
import { CONFIG_VAR_NAMES } from "../../src/config.ts";
import { testBindings } from "./secrets.ts";

const CONFIG_PATH = "./wrangler.toml";

/** A rate-limit binding's rule as wrangler.toml states it. */
export type RateLimitRule = { limit: number; period: number };

/**
 * Every variable the gateway reads, from wrangler.toml `[vars]` (read by wrangler itself), the test
 * secrets and `overrides`; one the file does not set is pinned empty, which the config reads as its
 * default. Beside them: `TEST_PINNED_VARS` (the pinned values, for the test that checks them),
 * `TEST_RATE_LIMITS` (the `[[ratelimits]]` rules, so tests read limits instead of copying them) and
 * `TEST_EXPECT_DEV_VARS_CANARY` (set by `npm run test:isolation`, see test/isolation/run.ts).
 */
export function pinnedBindings(overrides: Record<string, string> = {}): Promise<Record<string, string>> {
  // Once per run and override set: every test file then sees the same keys, and a run that selects
  // no workerd project (`npm run test:fast`) never pays for wrangler or the key generation.
  const key = JSON.stringify(overrides);
  const known = built.get(key);
  if (known !== undefined) return known;
  const bindings = build(overrides);
  built.set(key, bindings);
  return bindings;
}

const built = new Map<string, Promise<Record<string, string>>>();

async function build(overrides: Record<string, string>): Promise<Record<string, string>> {
  const { unstable_readConfig } = await import("wrangler");
  const config = unstable_readConfig({ config: CONFIG_PATH }, { hideWarnings: true });
  const secrets = await testBindings();
  const fromFile = { ...config.vars } as Record<string, unknown>;
  const names = new Set<string>([...CONFIG_VAR_NAMES, ...Object.keys(fromFile)]);
  const pinned: Record<string, string> = {};
  for (const name of names) pinned[name] = overrides[name] ?? secrets[name] ?? textOf(fromFile[name]);
  const rateLimits: Record<string, RateLimitRule> = {};
  for (const r of config.ratelimits) rateLimits[r.name] = { limit: r.simple.limit, period: r.simple.period };
  return {
    ...secrets,
    ...pinned,
    TEST_PINNED_VARS: JSON.stringify(pinned),
    TEST_RATE_LIMITS: JSON.stringify(rateLimits),
    TEST_EXPECT_DEV_VARS_CANARY: process.env.BGW_EXPECT_DEV_VARS_CANARY ?? "",
  };
}

const textOf = (v: unknown): string => (v === undefined ? "" : typeof v === "string" ? v : JSON.stringify(v));
