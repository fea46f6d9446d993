// Server processes for the benchmark: each in its own process group, so stopping one kills the
// whole tree (wrangler -> node -> esbuild, workerd x2), and every group still alive is killed when
// the benchmark exits for any reason.
import { type ChildProcess, spawn } from "node:child_process";
import { boundedFetch } from "./bounded-fetch.ts";

export const HOST = "127.0.0.1";
const LOG_TAIL_CHARS = 8_000;
const STOP_GRACE_MS = 5_000;
const STOP_GIVE_UP_MS = 10_000;

const live = new Set<number>();

/** SIGKILLs every server group still running; synchronous so it can run in an `exit` handler. */
export function killAllServers(): void {
  for (const pgid of live) signalGroup(pgid, "SIGKILL");
  live.clear();
}

/** Signal 0 only probes whether any member of the group is left. */
function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    // ESRCH: every process of the group is gone.
    return false;
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export type ServerSpec = {
  label: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Answers 200 once the server can take load. */
  healthUrl: string;
  readyTimeoutMs: number;
};

export class ServerProcess {
  readonly label: string;
  readonly pid: number;
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private output = "";

  private constructor(label: string, child: ChildProcess, pid: number) {
    this.label = label;
    this.child = child;
    this.pid = pid;
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    const record = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString("utf8")).slice(-LOG_TAIL_CHARS);
    };
    child.stdout?.on("data", record);
    child.stderr?.on("data", record);
  }

  /** Starts `node <args>` (Node 22, the one running the benchmark) and waits for its health URL. */
  static async start(spec: ServerSpec): Promise<ServerProcess> {
    // detached: a new process group, so stop() reaches every descendant.
    const child = spawn(process.execPath, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (child.pid === undefined) throw new Error(`${spec.label}: spawn failed`);
    live.add(child.pid);
    const server = new ServerProcess(spec.label, child, child.pid);
    try {
      await server.waitReady(spec.healthUrl, spec.readyTimeoutMs);
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  logs(): string {
    return this.output;
  }

  private async waitReady(url: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = "no answer yet";
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null || this.child.signalCode !== null)
        throw new Error(`${this.label} exited before it was ready:\n${this.output}`);
      try {
        const res = await boundedFetch(url, {}, 2_000);
        if (res.status === 200) return;
        last = `${url} answered ${res.status}: ${res.text}`;
      } catch (err) {
        last = String(err);
      }
      await sleep(200);
    }
    throw new Error(`${this.label} not ready within ${timeoutMs} ms (${last}):\n${this.output}`);
  }

  /** SIGTERM to the group, SIGKILL after a grace period; resolves when no member is left. */
  async stop(): Promise<void> {
    if (!live.has(this.pid)) return;
    signalGroup(this.pid, "SIGTERM");
    const started = Date.now();
    let killed = false;
    // An orphaned zombie still answers the probe until it is reaped, so stop waiting eventually.
    while (signalGroup(this.pid, 0) && Date.now() - started < STOP_GIVE_UP_MS) {
      if (!killed && Date.now() - started > STOP_GRACE_MS) killed = signalGroup(this.pid, "SIGKILL");
      await sleep(50);
    }
    live.delete(this.pid);
    await this.exited;
  }
}
