import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { pinnedBindings } from "./test/support/pinned-env.ts";

// One listed browser origin (overriding wrangler.toml's empty list) for the CORS and origin tests;
// it is not the test gateway's own origin, https://gateway.test.
const ALLOWED_ORIGINS = "https://app.example";

/**
 * A project inside workerd whose every gateway variable is pinned (test/support/pinned-env.ts); the
 * bindings are built when the project's pool starts, so runs without it do not build them.
 */
const inWorkerd = (overrides: Record<string, string>) =>
  cloudflareTest(async () => ({
    wrangler: { configPath: "./wrangler.toml" },
    remoteBindings: false,
    miniflare: { bindings: await pinnedBindings(overrides) },
  }));

export default defineConfig({
  test: {
    // Structured log lines are asserted where they matter; elsewhere they only bury failures.
    silent: "passed-only" as const,
    // The one error vitest's harness raises about itself: a Durable Object's background work (a
    // timer such as the usage meter's 1 s write, a waitUntil) still running when its test file's
    // workerd environment closes finds vitest's RPC closed. It says nothing about the code under
    // test (the files' tests have passed by then); every other unhandled error still fails the run.
    onUnhandledError: (error) =>
      !(error.name === "EnvironmentTeardownError" && /Closing rpc while/.test(error.message ?? "")),
    projects: [
      {
        test: {
          // Pure logic: no workerd, so it starts in a moment (`npm run test:fast`).
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          environment: "node",
          // One thread and one module graph for every file: these tests touch no global state, and
          // loading each file's imports once instead of per file is most of the lane's speed.
          pool: "threads",
          isolate: false,
        },
      },
      {
        plugins: [inWorkerd({ ALLOWED_ORIGINS })],
        test: {
          name: "workers",
          include: ["test/integration/**/*.test.ts"],
          // Generous: CI machines have two cores; waits inside tests have their own shorter bounds.
          testTimeout: 20_000,
        },
      },
      {
        // The same gateway with rooms over 4 shards, a per-room cap of 40 (10 per shard) and batch frames of at most 8.
        plugins: [
          inWorkerd({ ALLOWED_ORIGINS, ROOM_SHARDS: "4", MAX_CONNECTIONS_PER_ROOM: "40", BATCH_MAX_MESSAGES: "8" }),
        ],
        test: {
          name: "sharded",
          include: ["test/sharded/**/*.test.ts", "test/integration/isolation.test.ts"],
          testTimeout: 20_000,
        },
      },
      {
        // The same gateway with usage counting off (USAGE_METER=off, the bench's usage A/B switch).
        plugins: [inWorkerd({ ALLOWED_ORIGINS, USAGE_METER: "off" })],
        test: { name: "meter-off", include: ["test/meter-off/**/*.test.ts"], testTimeout: 20_000 },
      },
      {
        test: {
          // Node-side checks that need neither workerd nor a running gateway.
          name: "node",
          include: ["test/node/**/*.test.ts"],
          environment: "node",
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Each e2e file starts its own `wrangler dev`; two at once would fight for two cores.
          // `npm test` runs this project in a vitest process of its own, beside the others
          // (test/run-all.ts): one process would run it last, alone.
          fileParallelism: false,
        },
      },
    ],
  },
});
