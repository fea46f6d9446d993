// Types for `cloudflare:workers` in tests: the gateway's Env plus the test-only key bindings.
import type { Env as GatewayEnv } from "../src/env.ts";

declare global {
  namespace Cloudflare {
    interface GlobalProps {
      mainModule: typeof import("../src/index.ts");
      durableNamespaces: "Room";
    }
    interface Env extends GatewayEnv {
      TEST_PRIVATE_JWKS: string;
      TEST_API_KEYS: string;
    }
  }
}
