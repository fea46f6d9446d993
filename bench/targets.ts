// The servers under test and how a client reaches each. All take the same publish body and
// broadcast it to every socket of a room; only the gateway authenticates, stamps and records. The
// gateway runs twice: as configured (ROOM_SHARDS 1) and with its rooms spread over K shards.
import { writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { freePort } from "../scripts/lib/port.ts";
import { isolatedWranglerEnv } from "../scripts/lib/wrangler.ts";
import { shardOf } from "../src/room/sharding/placement.ts";
import { BENCH_TENANT, type BenchCredentials, dotenv, type Subscriber } from "./credentials.ts";
import type { TargetName } from "./options.ts";
import { HOST, ServerProcess } from "./processes.ts";
import { fetchRoomLayout, type RoomLayout } from "./room-layout.ts";

const READY_TIMEOUT_MS = 90_000;

export type RunningTarget = {
  name: TargetName;
  /** Root of the server's process tree (its process group leader). */
  pid: number;
  port: number;
  /** `query` (`batch=1`, `events=g0`) asks the gateway for its features; bare targets ignore it. */
  socketUrl(room: string, query?: string): string;
  /** Headers for subscriber `k`'s upgrade (its own token on the gateway). */
  socketHeaders(k: number): Record<string, string>;
  publishUrl(room: string): string;
  /** The gateway's `POST …/messages/batch` (1-100 messages a request); bare targets have none. */
  batchPublishUrl?(room: string): string;
  publishHeaders: Record<string, string>;
  /** The runtime's V8 inspector (wrangler targets), for bench/profile.ts. */
  inspectorPort: number | undefined;
  /** Gateway targets: ROOM_SHARDS, the shard subscriber k lands on, where a room's sockets are. */
  rooms?: { shards: number; shardOf(k: number): number; layout(room: string): Promise<RoomLayout> };
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
  /** Who subscriber k connects as (gateway targets), read at each connect. */
  subscriber(k: number): Subscriber;
  /** The gateway's compatibility date, given to the bare DO as well. */
  compatibilityDate: string;
  /** ROOM_SHARDS for `gateway-sharded`. */
  shards: number;
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

/**
 * `wrangler dev --env bench`; for K > 1 only ROOM_SHARDS differs, set with `--var` (which wrangler
 * applies over the environment's vars), so both gateway targets run the same code and config.
 */
async function startGateway(
  name: TargetName,
  ctx: TargetContext,
  port: number,
  shards: number,
): Promise<RunningTarget> {
  const base = `${HOST}:${port}`;
  const inspector = await freePort();
  const config = join(ctx.gatewayRoot, "wrangler.toml");
  const vars = shards === 1 ? [] : ["--var", `ROOM_SHARDS:${shards}`];
  const server = await startWrangler(
    ctx,
    name,
    port,
    inspector,
    config,
    ["--env", "bench", ...vars],
    ctx.credentials.secrets,
  );
  const adminHeaders = { authorization: `Bearer ${ctx.credentials.apiKey}` };
  return {
    ...running(
      name,
      server,
      port,
      {
        socketUrl: (room, query) => `ws://${base}/v1/rooms/${room}/ws${query ? `?${query}` : ""}`,
        socketHeaders: (k) => ({ authorization: `Bearer ${ctx.subscriber(k).token}` }),
        publishUrl: (room) => `http://${base}/v1/rooms/${room}/messages`,
        batchPublishUrl: (room) => `http://${base}/v1/rooms/${room}/messages/batch`,
        publishHeaders: { ...adminHeaders, "content-type": "application/json" },
      },
      inspector,
    ),
    rooms: {
      shards,
      shardOf: (k) => (shards === 1 ? 0 : shardOf(BENCH_TENANT, ctx.subscriber(k).sub, shards)),
      layout: (room) => fetchRoomLayout(`http://${base}/v1/admin/rooms/${room}`, adminHeaders),
    },
  };
}

function running(
  name: TargetName,
  server: ServerProcess,
  port: number,
  parts: Omit<RunningTarget, "name" | "pid" | "port" | "stop" | "logs" | "inspectorPort" | "rooms">,
  inspectorPort?: number,
): RunningTarget {
  const stop = () => server.stop();
  return { name, pid: server.pid, port, inspectorPort, stop, logs: () => server.logs(), ...parts };
}

export async function startTarget(name: TargetName, ctx: TargetContext): Promise<RunningTarget> {
  const port = await freePort();
  const base = `${HOST}:${port}`;
  switch (name) {
    case "gateway":
      return startGateway(name, ctx, port, 1);
    case "gateway-sharded":
      return startGateway(name, ctx, port, ctx.shards);
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
