// The three servers under test and how a client reaches each. All three take the same publish body
// and broadcast it to every socket of a room; only the gateway authenticates, stamps and records.
import { writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { freePort } from "../scripts/lib/port.ts";
import { isolatedWranglerEnv } from "../scripts/lib/wrangler.ts";
import { type BenchCredentials, dotenv } from "./credentials.ts";
import type { TargetName } from "./options.ts";
import { HOST, ServerProcess } from "./processes.ts";

const READY_TIMEOUT_MS = 90_000;

export type RunningTarget = {
  name: TargetName;
  /** Root of the server's process tree (its process group leader). */
  pid: number;
  port: number;
  socketUrl(room: string): string;
  /** Headers for subscriber `k`'s upgrade (its own token on the gateway). */
  socketHeaders(k: number): Record<string, string>;
  publishUrl(room: string): string;
  publishHeaders: Record<string, string>;
  /** The runtime's V8 inspector (wrangler targets), for bench/profile.ts. */
  inspectorPort: number | undefined;
  stop(): Promise<void>;
  logs(): string;
};

export type TargetContext = {
  repoRoot: string;
  /** Where the gateway's wrangler.toml and src/ are: the repo, or an exported revision. */
  gatewayRoot: string;
  /** A fresh temp directory for this server: persistence, secrets file, wrangler logs. */
  dir: string;
  credentials: BenchCredentials;
  /** One token per subscriber index, long enough for the largest session. */
  tokens: readonly string[];
  /** The gateway's compatibility date, given to the bare DO as well. */
  compatibilityDate: string;
};

async function startWrangler(
  ctx: TargetContext,
  label: string,
  port: number,
  inspectorPort: number,
  config: string,
  extraArgs: string[],
  secrets: Record<string, string>,
): Promise<ServerProcess> {
  const envFile = join(ctx.dir, "secrets.env");
  await writeFile(envFile, dotenv(secrets), { mode: 0o600 });
  const args = [
    join(ctx.repoRoot, "node_modules", "wrangler", "bin", "wrangler.js"),
    "dev",
    "-c",
    config,
    ...extraArgs,
    "--local",
    "--ip",
    HOST,
    "--port",
    String(port),
    "--persist-to",
    join(ctx.dir, "state"),
    // With --env-file wrangler reads neither `.dev.vars` nor `.env`: only these secrets apply.
    "--env-file",
    envFile,
    // "log" keeps the Worker's own console lines (a config error names its variable there); the
    // per-request lines it adds cost wrangler's node process the same for every target.
    "--log-level",
    "log",
    // A fixed default inspector port would collide with another wrangler dev on the machine.
    "--inspector-port",
    String(inspectorPort),
    "--show-interactive-dev-session=false",
  ];
  return ServerProcess.start({
    label,
    args,
    cwd: dirname(config),
    env: isolatedWranglerEnv(join(ctx.dir, "logs")),
    healthUrl: `http://${HOST}:${port}/health`,
    readyTimeoutMs: READY_TIMEOUT_MS,
  });
}

function running(
  name: TargetName,
  server: ServerProcess,
  port: number,
  parts: Omit<RunningTarget, "name" | "pid" | "port" | "stop" | "logs" | "inspectorPort">,
  inspectorPort?: number,
): RunningTarget {
  const stop = () => server.stop();
  return { name, pid: server.pid, port, inspectorPort, stop, logs: () => server.logs(), ...parts };
}

export async function startTarget(name: TargetName, ctx: TargetContext): Promise<RunningTarget> {
  const port = await freePort();
  const base = `${HOST}:${port}`;
  switch (name) {
    case "gateway": {
      const inspector = await freePort();
      const config = join(ctx.gatewayRoot, "wrangler.toml");
      const server = await startWrangler(
        ctx,
        name,
        port,
        inspector,
        config,
        ["--env", "bench"],
        ctx.credentials.secrets,
      );
      return running(
        name,
        server,
        port,
        {
          socketUrl: (room) => `ws://${base}/v1/rooms/${room}/ws`,
          socketHeaders: (k) => ({ authorization: `Bearer ${ctx.tokens[k % ctx.tokens.length] ?? ""}` }),
          publishUrl: (room) => `http://${base}/v1/rooms/${room}/messages`,
          publishHeaders: { authorization: `Bearer ${ctx.credentials.apiKey}`, "content-type": "application/json" },
        },
        inspector,
      );
    }
    case "bare-do": {
      const config = join(ctx.repoRoot, "bench", "baseline-do", "wrangler.toml");
      const args = ["--compatibility-date", ctx.compatibilityDate];
      const inspector = await freePort();
      const server = await startWrangler(ctx, name, port, inspector, config, args, {});
      return running(
        name,
        server,
        port,
        {
          socketUrl: (room) => `ws://${base}/ws?room=${room}`,
          socketHeaders: () => ({}),
          publishUrl: (room) => `http://${base}/publish?room=${room}`,
          publishHeaders: { "content-type": "application/json" },
        },
        inspector,
      );
    }
    case "bare-ws": {
      const server = await ServerProcess.start({
        label: name,
        args: [join(ctx.repoRoot, "bench", "baseline-ws.ts"), "--port", String(port)],
        cwd: ctx.repoRoot,
        env: process.env,
        healthUrl: `http://${base}/health`,
        readyTimeoutMs: READY_TIMEOUT_MS,
      });
      // One process, one room: the room in the URL is ignored.
      return running(name, server, port, {
        socketUrl: () => `ws://${base}/ws`,
        socketHeaders: () => ({}),
        publishUrl: () => `http://${base}/publish`,
        publishHeaders: { "content-type": "application/json" },
      });
    }
  }
}
