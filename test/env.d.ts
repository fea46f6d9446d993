import type { Env } from "../src/env.ts";

declare global {
  namespace Cloudflare {
    interface Env extends import("../src/env.ts").Env {
      TEST_PRIVATE_JWKS: string;
      TEST_API_KEYS: string;
    }
  }
}

export type { Env };
