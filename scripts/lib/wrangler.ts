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

/** How long wrangler gets to shut workerd down cleanly before its whole process group is killed. */
const STOP_GRACE_MS = 10_000;
const ORPHAN_CHECK_MS = 1_000;

/**
 * Spawns `wrangler <args>` with inherited stdio and resolves with the exit code this process
 * should use (128 + signal number when wrangler died from a signal). SIGINT, SIGTERM and SIGHUP
 * stop the whole tree: wrangler, its esbuild and both workerd processes.
 */
export function runWrangler(root: string, args: string[]): Promise<number> {
  const bin = join(root, "node_modules", ".bin", "wrangler");
  // Its own process group, so one signal reaches wrangler and everything it started, and a second
  // one (or the grace period running out) can kill them all, even if wrangler itself is gone.
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, ...OFFLINE_ENV },
    detached: true,
  });
  const signalGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // ESRCH: no process of the group is left.
    }
  };
  let escalation: NodeJS.Timeout | undefined;
  const stop = (signal: NodeJS.Signals) => {
    signalGroup(escalation === undefined ? signal : "SIGKILL");
    escalation ??= setTimeout(() => signalGroup("SIGKILL"), STOP_GRACE_MS);
  };
  // `npm start` runs this script under `sh -c`, and sh does not pass signals on: when a supervisor
  // signals npm alone, npm and sh exit and this process is orphaned without hearing anything.
  // Being re-parented is that signal.
  const parent = process.ppid;
  const orphanCheck = setInterval(() => {
    if (process.ppid === parent) return;
    // Once: a second stop() would be the SIGKILL meant for a repeated signal.
    clearInterval(orphanCheck);
    stop("SIGTERM");
  }, ORPHAN_CHECK_MS);
  // Last resort when this process ends first (an uncaught error): nothing of the group outlives it.
  const killOnExit = () => signalGroup("SIGKILL");
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  process.on("SIGHUP", stop);
  process.on("exit", killOnExit);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      clearInterval(orphanCheck);
      clearTimeout(escalation);
      for (const s of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.off(s, stop);
      process.off("exit", killOnExit);
      // wrangler is gone; a workerd it could not stop (it crashed) must not keep the port.
      signalGroup("SIGTERM");
      resolve(code ?? 128 + (signal === null ? 0 : constants.signals[signal]));
    });
  });
}
