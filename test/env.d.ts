// Test-only bindings (vitest.config.ts) on top of the generated Env (worker-configuration.d.ts),
// which also declares the main module and the Durable Object namespaces for `cloudflare:workers`.
declare global {
  namespace Cloudflare {
    interface Env {
      TEST_PRIVATE_JWKS: string;
      TEST_API_KEYS: string;
      TEST_OPERATOR_KEYS: string;
      /** JSON: every gateway variable and the value the test config pinned it to. */
      TEST_PINNED_VARS: string;
      /** JSON: each `[[ratelimits]]` binding's `{ limit, period }` from wrangler.toml. */
      TEST_RATE_LIMITS: string;
      /** The canary `npm run test:isolation` wrote into its hostile `.dev.vars`; empty otherwise. */
      TEST_EXPECT_DEV_VARS_CANARY: string;
    }
  }
}

export {};
