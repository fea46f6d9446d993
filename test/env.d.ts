// Test-only bindings (vitest.config.ts) on top of the generated Env (worker-configuration.d.ts),
// which also declares the main module and the Durable Object namespaces for `cloudflare:workers`.
declare global {
  namespace Cloudflare {
    interface Env {
      TEST_PRIVATE_JWKS: string;
      TEST_API_KEYS: string;
      TEST_OPERATOR_KEYS: string;
    }
  }
}

export {};
