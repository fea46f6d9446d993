// Nothing on the developer's machine reaches the gateway under test: every variable and secret it
// reads has the value vitest.config.ts pinned (test/support/pinned-env.ts). `npm run test:isolation`
// runs the in-workerd suites again beside a hostile `.dev.vars` (test/isolation/run.ts); there the
// canary proves the file was read, so the run cannot pass by not reading it.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CONFIG_VAR_NAMES } from "../../src/config.ts";

const vars = env as unknown as Record<string, unknown>;

describe("the test environment", () => {
  it("pins every variable and secret the gateway reads", () => {
    const pinned = JSON.parse(env.TEST_PINNED_VARS) as Record<string, string>;
    for (const name of CONFIG_VAR_NAMES) {
      expect(Object.hasOwn(pinned, name), `${name} is pinned`).toBe(true);
      expect(vars[name], name).toBe(pinned[name]);
    }
  });

  it("sees a local .dev.vars exactly when the isolation run put one there (its canary)", () => {
    const expected = env.TEST_EXPECT_DEV_VARS_CANARY === "" ? undefined : env.TEST_EXPECT_DEV_VARS_CANARY;
    expect(vars.BGW_DEV_VARS_CANARY).toBe(expected);
  });
});
