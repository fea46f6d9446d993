// Runs the project's own wrangler under the Node that runs this script (Node 22 from
// node_modules; the system Node 20 is too old for wrangler 4), with telemetry off.
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { join } from "node:path";

/** No telemetry, no error reports, no Cloudflare API calls: local dev works offline. */
export const OFFLINE_ENV = {
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_SEND_ERROR_REPORTS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
} as const;

/**
 * Environment for a `wrangler dev` whose secrets come only from its `--env-file` (tests, bench):
 * offline, and no secret of the caller's environment reaches the Worker.
 */
export function isolatedWranglerEnv(logDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...OFFLINE_ENV,
    CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV: "true",
    CLOUDFLARE_INCLUDE_PROCESS_ENV: "false",
    WRANGLER_LOG_PATH: logDir,
  };
  for (const name of ["JWT_SECRET", "JWT_JWKS", "API_KEYS"]) delete env[name];
  return env;
}

/**
 * Spawns `wrangler <args>` with inherited stdio, forwards SIGINT/SIGTERM, and resolves with the
 * exit code this process should use (128 + signal number when wrangler died from a signal).
 */
export function runWrangler(root: string, args: string[]): Promise<number> {
  const bin = join(root, "node_modules", ".bin", "wrangler");
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, ...OFFLINE_ENV },
  });
  // A terminal's Ctrl-C reaches wrangler directly (same process group); forwarding matters when
  // only this process is signalled, e.g. by a supervisor or `kill <pid>`. Wrangler treats a
  // repeated SIGINT like the first, so the double delivery from a terminal is harmless.
  const forward = (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      process.off("SIGINT", forward);
      process.off("SIGTERM", forward);
      resolve(code ?? 128 + (signal === null ? 0 : constants.signals[signal]));
    });
  });
}
