// Runs `wrangler dev` as a child process for end-to-end tests: its own loopback port, its own
// persistence directory and its own secrets file, so nothing of the developer's `.dev.vars` or
// `.wrangler/state` is read or touched. stop()/start() restart it on the same state and port.
import { type ChildProcess, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../../../scripts/lib/port.ts";
import { isolatedWranglerEnv } from "../../../scripts/lib/wrangler.ts";
import { sleep } from "../../support/wait.ts";

export const REPO_ROOT = resolve(fileURLToPath(new URL("../../../", import.meta.url)));
const WRANGLER = join(REPO_ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const HOST = "127.0.0.1";
const LOG_TAIL_CHARS = 8_000;
const EXIT_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/**
 * Node 22 runs the operator scripts and wrangler (which refuses Node < 22.12). `npx`/`npm run` put
 * the project's Node 22 first on PATH, so the test runner normally is it; if not, use it directly.
 */
const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
export const NODE =
  major > 22 || (major === 22 && minor >= 12)
    ? process.execPath
    : join(REPO_ROOT, "node_modules", "node", "bin", "node");

/** One dotenv line; single quotes keep JSON literal, so a value may contain neither `'` nor a newline. */
function envLine(name: string, value: string): string {
  if (!/^[A-Z_][A-Z0-9_]*$/.test(name)) throw new Error(`bad variable name ${name}`);
  if (/['\r\n]/.test(value)) throw new Error(`${name} cannot be written to a dotenv file verbatim`);
  return `${name}='${value}'\n`;
}

export type WranglerDevOptions = {
  /** Seconds to wait for GET /health to answer 200. */
  readyTimeoutSeconds?: number;
  /** A `[env.<name>]` section of wrangler.toml to run (`wrangler dev --env <name>`); default: the top level. */
  env?: string;
  /** [vars] overrides (`wrangler dev --var NAME:value`), e.g. `{ ROOM_SHARDS: "8" }`. */
  vars?: Record<string, string>;
};

export class WranglerDev {
  /** Holds `state/` (--persist-to), `secrets.env` (--env-file) and wrangler's own log files. */
  readonly dir: string;
  readonly port: number;
  readonly envFile: string;
  private readonly persistDir: string;
  private readonly readyTimeoutMs: number;
  private readonly wranglerEnv: string | undefined;
  private vars: Record<string, string>;
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private output = "";
  // If the test process exits without dispose() (a crash, a killed worker), take wrangler and the
  // temp directory with it: only synchronous work is possible in an `exit` listener.
  private readonly cleanupOnExit = () => {
    this.killGroup("SIGKILL");
    rmSync(this.dir, { recursive: true, force: true });
  };
  // wrangler runs in its own process group, so a Ctrl-C at the terminal never reaches it: clean up,
  // then let the signal take its normal course (the listener is gone, so re-raising it ends us).
  private readonly cleanupOnSignal = (signal: NodeJS.Signals) => {
    this.removeExitHooks();
    this.cleanupOnExit();
    process.kill(process.pid, signal);
  };

  private constructor(dir: string, port: number, options: WranglerDevOptions) {
    this.dir = dir;
    this.port = port;
    this.envFile = join(dir, "secrets.env");
    this.persistDir = join(dir, "state");
    this.readyTimeoutMs = (options.readyTimeoutSeconds ?? 60) * 1000;
    this.wranglerEnv = options.env;
    this.vars = options.vars ?? {};
  }

  /** Makes the temp directory and picks the port; writes an empty secrets file. Does not start. */
  static async create(options: WranglerDevOptions = {}): Promise<WranglerDev> {
    const dir = await mkdtemp(join(tmpdir(), "bgw-e2e-"));
    const dev = new WranglerDev(dir, await freePort(), options);
    process.once("exit", dev.cleanupOnExit);
    for (const signal of EXIT_SIGNALS) process.once(signal, dev.cleanupOnSignal);
    await writeFile(dev.envFile, "", { mode: 0o600 });
    return dev;
  }

  get baseUrl(): string {
    return `http://${HOST}:${this.port}`;
  }

  wsUrl(path: string): string {
    return `ws://${HOST}:${this.port}${path}`;
  }

  /** Replaces the secrets file; the next start() reads it. */
  async writeSecrets(secrets: Record<string, string>): Promise<void> {
    const text = Object.entries(secrets)
      .map(([k, v]) => envLine(k, v))
      .join("");
    await writeFile(this.envFile, text, { mode: 0o600 });
  }

  /** The last lines wrangler printed, for failure messages. */
  logs(): string {
    return this.output;
  }

  async start(): Promise<void> {
    if (this.child !== undefined) throw new Error("wrangler dev is already running");
    const args = [
      WRANGLER,
      "dev",
      "--local",
      "--ip",
      HOST,
      "--port",
      String(this.port),
      // Explicit, so two gateways (or a developer's `npm start`) never race for the default 9229.
      "--inspector-port",
      String(await freePort()),
      "--persist-to",
      this.persistDir,
      // Passing --env-file makes wrangler skip `.dev.vars` entirely (and `.env`, which it would
      // otherwise read only when `.dev.vars` is absent), so only these secrets reach the Worker.
      "--env-file",
      this.envFile,
      "--log-level",
      "warn",
      "--show-interactive-dev-session=false",
    ];
    if (this.wranglerEnv !== undefined) args.push("--env", this.wranglerEnv);
    for (const [name, value] of Object.entries(this.vars)) args.push("--var", `${name}:${value}`);
    const env = isolatedWranglerEnv(join(this.dir, "logs"));
    this.output = "";
    // detached: wrangler, esbuild and workerd share a new process group that stop() kills whole.
    const child = spawn(NODE, args, { cwd: REPO_ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    const record = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString("utf8")).slice(-LOG_TAIL_CHARS);
    };
    child.stdout?.on("data", record);
    child.stderr?.on("data", record);
    this.exited = new Promise((resolveExit) => {
      child.once("exit", () => resolveExit());
      // Could not even launch (e.g. a missing binary): no `exit` follows, and waitReady reports it.
      child.once("error", (err) => {
        record(Buffer.from(`\nspawn failed: ${err.message}\n`));
        resolveExit();
      });
    });
    try {
      await this.waitReady();
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + this.readyTimeoutMs;
    let last = "no answer yet";
    while (Date.now() < deadline) {
      const child = this.child;
      if (child === undefined || child.pid === undefined || child.exitCode !== null || child.signalCode !== null)
        throw new Error(`wrangler dev exited before it was ready:\n${this.output}`);
      try {
        const res = await fetch(`${this.baseUrl}/health`, { signal: AbortSignal.timeout(2_000) });
        if (res.status === 200) return;
        last = `GET /health answered ${res.status}: ${await res.text()}`;
      } catch (err) {
        last = String(err);
      }
      await sleep(200);
    }
    throw new Error(`wrangler dev not ready within ${this.readyTimeoutMs} ms (${last}):\n${this.output}`);
  }

  /** Signal 0 only probes whether any process of the group is left. */
  private killGroup(signal: NodeJS.Signals | 0): boolean {
    const pid = this.child?.pid;
    if (pid === undefined) return false;
    try {
      process.kill(-pid, signal);
      return true;
    } catch {
      // ESRCH: every process of the group is gone already.
      return false;
    }
  }

  /** Kills wrangler and everything it started; resolves once no process of the group is left. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    this.killGroup("SIGTERM");
    const started = Date.now();
    let killed = false;
    // Wait until no member of the group (workerd included) is left; escalate after 10 s. An
    // orphaned zombie also answers the probe until it is reaped, so give up waiting after 15 s.
    while (this.killGroup(0) && Date.now() - started < 15_000) {
      if (!killed && Date.now() - started > 10_000) killed = this.killGroup("SIGKILL");
      await sleep(50);
    }
    await this.exited;
    this.child = undefined;
    this.exited = undefined;
  }

  /**
   * Kills wrangler's whole process group, as a crash would, and starts it again on the same port
   * and state after a moment in which clients meet a dead port; a start the lingering port refused
   * is tried again until `budgetMs` has passed. `vars` are added to the [vars] overrides from then on.
   */
  async restart(budgetMs: number, vars: Record<string, string> = {}): Promise<{ starts: number; downMs: number }> {
    const stoppedAt = Date.now();
    await this.stop();
    this.vars = { ...this.vars, ...vars };
    await sleep(1_000);
    const deadline = Date.now() + budgetMs;
    for (let starts = 1; ; starts++) {
      try {
        await this.start();
        return { starts, downMs: Date.now() - stoppedAt };
      } catch (err) {
        // start() has cleaned up after itself.
        if (Date.now() > deadline) throw err;
        await sleep(1_000);
      }
    }
  }

  /** stop() and delete the temp directory (state, secrets, logs). */
  async dispose(): Promise<void> {
    try {
      await this.stop();
    } finally {
      await rm(this.dir, { recursive: true, force: true });
      this.removeExitHooks();
    }
  }

  private removeExitHooks(): void {
    process.removeListener("exit", this.cleanupOnExit);
    for (const signal of EXIT_SIGNALS) process.removeListener(signal, this.cleanupOnSignal);
  }
}
