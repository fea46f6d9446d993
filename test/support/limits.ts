// The limits the gateway under test runs with, read where the gateway reads them: its own config
// (src/config.ts over the pinned bindings) and wrangler.toml's `[[ratelimits]]` rules (passed in by
// vitest.config.ts). Tests take their numbers from here instead of copying them. Inside workerd only.
import { env } from "cloudflare:workers";
import { type Config, configFor } from "../../src/config.ts";

export const config: Config = configFor(env);

const rules = JSON.parse(env.TEST_RATE_LIMITS) as Record<string, { limit: number; period: number }>;

/** A rate-limit binding's `limit` per `period` seconds, as wrangler.toml sets it. */
export function rateLimit(binding: string): { limit: number; period: number } {
  const rule = rules[binding];
  if (rule === undefined) throw new Error(`no [[ratelimits]] binding ${binding} in wrangler.toml`);
  return rule;
}
