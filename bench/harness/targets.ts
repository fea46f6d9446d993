// Starting the servers under test (harness/target-specs.ts names them) and how a client reaches each.
// All take the same publish body and broadcast it to every socket of a room; only the gateway
// authenticates, stamps and records.
import { writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { freePort } from "../../scripts/lib/port.ts";
import { isolatedWranglerEnv } from "../../scripts/lib/wrangler.ts";
import { shardOf } from "../../src/room/sharding/placement.ts";
import { BENCH_PLACEMENT_KEY, BENCH_TENANT, type BenchCredentials, dotenv, type Subscriber } from "./credentials.ts";
import { pidWithRole } from "./proc-tree.ts";
import { HOST, ServerProcess } from "./processes.ts";
import { keySecrets, type Prepared, prepareGateway } from "./provision.ts";
import { fetchRoomLayout, type RoomLayout } from "./room-layout.ts";
import { runtimeEntryPort } from "./runtime-entry.ts";
import { keysOf, roomShardsOf, specOf, type TargetName } from "./target-specs.ts";
import type { WebhookReceiver } from "./webhook-receiver.ts";

const READY_TIMEOUT_MS = 90_000;

export type RunningTarget = {
  name: TargetName;
  /** Root of the server's process tree (its process group leader). */
  pid: number;
  /** The public port (wrangler's proxy for wrangler targets), whatever port the clients use. */
  port: number;
  /** Whether its clients offer permessage-deflate (target-specs.ts). */
  clientDeflate: boolean;
  /** `query` (`batch=1`, `events=g0`, `since=41`) asks for features; bare targets ignore what they lack. */
  socketUrl(room: string, query?: string): string;
  /** Headers for subscriber `k`'s upgrade (its own token on the gateway). */
  socketHeaders(k: number): Record<string, string>;
  publishUrl(room: string): string;
  /** The gateway's `POST …/messages/batch` (1-100 messages a request); bare targets have none. */
  batchPublishUrl?(room: string): string;
  /** Upgrade headers of a socket that may publish (gateway targets: a token with scope publish). */
  publisherHeaders?: Record<string, string>;
  publishHeaders: Record<string, string>;
  /** The runtime's V8 inspector (wrangler targets), for bench/profile.ts. */
  inspectorPort: number | undefined;
  /** Gateway targets: ROOM_SHARDS, the shard subscriber k lands on, where a room's sockets are. */
  rooms?: { shards: number; shardOf(k: number): number; layout(room: string): Promise<RoomLayout> };
  /** Targets with webhooks: the receiver their endpoint posts to (harness/webhook-receiver.ts). */
  webhooks?: WebhookReceiver;
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
  /** `--shards`: the K of targets whose vars set ROOM_SHARDS. */
  shards: number;
  /** Clients connect to the runtime workerd's entry socket, not to wrangler's proxy (harness/runtime-entry.ts). */
  direct: boolean;
};

/** The spec's `--var` and `--compatibility-flags` arguments. */
function specArgs(name: TargetName, shards: number): string[] {
  const spec = specOf(name);
  const vars = Object.entries(spec.vars?.(shards) ?? {}).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
  const flags = spec.compatibilityFlags ?? [];
  return [...vars, ...(flags.length === 0 ? [] : ["--compatibility-flags", ...flags])];
}

async function startWrangler(
  name: TargetName,
  ctx: TargetContext,
  port: number,
  config: string,
  extraArgs: string[],
  secrets: Record<string, string>,
): Promise<Started> {
  const envFile = join(ctx.dir, "secrets.env");
  await writeFile(envFile, dotenv(secrets), { mode: 0o600 });
  const inspectorPort = await freePort();
  const args = [
    join(ctx.repoRoot, "node_modules", "wrangler", "bin", "wrangler.js"),
    "dev",
    "-c",
    config,
    ...extraArgs,
    ...specArgs(name, ctx.shards),
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
  const server = await ServerProcess.start({
    label: name,
    args,
    cwd: dirname(config),
    env: isolatedWranglerEnv(join(ctx.dir, "logs")),
    healthUrl: `http://${HOST}:${port}/health`,
    readyTimeoutMs: READY_TIMEOUT_MS,
  });
  try {
    return { server, inspectorPort, clientPort: ctx.direct ? await runtimePort(server, port) : port };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

async function runtimePort(server: ServerProcess, publicPort: number): Promise<number> {
  const runtime = pidWithRole(server.pid, "workerd-runtime", publicPort);
  if (runtime === undefined) throw new Error(`${server.label}: no runtime workerd in its process tree`);
  return runtimeEntryPort(runtime, HOST);
}

/**
 * `wrangler dev --env bench`; a variant (K shards, a compatibility flag) differs only by `--var` (which
 * wrangler applies over the environment's vars) or `--compatibility-flags`, so every gateway target
 * runs the same code and config.
 */
async function startGateway(name: TargetName, ctx: TargetContext, port: number): Promise<RunningTarget> {
  const config = join(ctx.gatewayRoot, "wrangler.toml");
  const secrets = { ...ctx.credentials.secrets, ...keySecrets(name, ctx.credentials), ...specOf(name).secrets?.() };
  const started = await startWrangler(name, ctx, port, config, ["--env", "bench"], secrets);
  const base = `${HOST}:${started.clientPort}`;
  let prepared: Prepared;
  try {
    prepared = await prepareGateway(name, `http://${base}`, ctx.credentials);
  } catch (err) {
    await started.server.stop();
    throw err;
  }
  const { apiKey, receiver } = prepared;
  const adminHeaders = { authorization: `Bearer ${apiKey}` };
  const shards = roomShardsOf(name, ctx.shards);
  const es256 = keysOf(name) !== "secret";
  const tokenOf = (k: number) => {
    const s = ctx.subscriber(k);
    const token = es256 ? s.esToken : s.token;
    if (token === undefined) throw new Error(`${name}: subscriber ${k} has no ES256 token`);
    return token;
  };
  const target = running(name, started, port, {
    socketUrl: (room, query) => `ws://${base}/v1/rooms/${room}/ws${query ? `?${query}` : ""}`,
    socketHeaders: (k) => ({ authorization: `Bearer ${tokenOf(k)}` }),
    publishUrl: (room) => `http://${base}/v1/rooms/${room}/messages`,
    batchPublishUrl: (room) => `http://${base}/v1/rooms/${room}/messages/batch`,
    publishHeaders: { ...adminHeaders, "content-type": "application/json" },
    publisherHeaders: { authorization: `Bearer ${ctx.credentials.publisherToken}` },
  });
  return {
    ...target,
    rooms: {
      shards,
      shardOf: (k) => (shards === 1 ? 0 : shardOf(BENCH_TENANT, ctx.subscriber(k).sub, shards, BENCH_PLACEMENT_KEY)),
      layout: (room) => fetchRoomLayout(`http://${base}/v1/admin/rooms/${room}`, adminHeaders),
    },
    ...(receiver === undefined ? {} : { webhooks: receiver, stop: () => receiver.stop().then(() => target.stop()) }),
  };
}

/** The bare DO with the gateway's compatibility date, so both run with the same runtime semantics. */
async function startBareDo(name: TargetName, ctx: TargetContext, port: number): Promise<RunningTarget> {
  const config = join(ctx.repoRoot, "bench", "baselines", "bare-do", "wrangler.toml");
  const started = await startWrangler(name, ctx, port, config, ["--compatibility-date", ctx.compatibilityDate], {});
  const base = `${HOST}:${started.clientPort}`;
  return running(name, started, port, {
    socketUrl: (room, query) => `ws://${base}/ws?room=${room}${query ? `&${query}` : ""}`,
    socketHeaders: () => ({}),
    publishUrl: (room) => `http://${base}/publish?room=${room}`,
    publishHeaders: { "content-type": "application/json" },
  });
}

async function startBareWs(name: TargetName, ctx: TargetContext, port: number): Promise<RunningTarget> {
  const base = `${HOST}:${port}`;
  const server = await ServerProcess.start({
    label: name,
    args: [join(ctx.repoRoot, "bench", "baselines", "bare-ws.ts"), "--port", String(port)],
    cwd: ctx.repoRoot,
    env: process.env,
    healthUrl: `http://${base}/health`,
    readyTimeoutMs: READY_TIMEOUT_MS,
  });
  // One process, one room: the room in the URL is ignored.
  return running(name, { server, inspectorPort: undefined, clientPort: port }, port, {
    socketUrl: () => `ws://${base}/ws`,
    socketHeaders: () => ({}),
    publishUrl: () => `http://${base}/publish`,
    publishHeaders: { "content-type": "application/json" },
  });
}

/** A started server: its process, its inspector, and the port its clients use. */
type Started = { server: ServerProcess; inspectorPort: number | undefined; clientPort: number };

function running(
  name: TargetName,
  started: Started,
  port: number,
  parts: Omit<RunningTarget, "name" | "pid" | "port" | "clientDeflate" | "stop" | "logs" | "inspectorPort" | "rooms">,
): RunningTarget {
  const { server, inspectorPort } = started;
  return {
    name,
    pid: server.pid,
    port,
    clientDeflate: specOf(name).clientDeflate === true,
    inspectorPort,
    stop: () => server.stop(),
    logs: () => server.logs(),
    ...parts,
  };
}

export async function startTarget(name: TargetName, ctx: TargetContext): Promise<RunningTarget> {
  const port = await freePort();
  switch (specOf(name).server) {
    case "gateway":
      return startGateway(name, ctx, port);
    case "bare-do":
      return startBareDo(name, ctx, port);
    case "bare-ws":
      return startBareWs(name, ctx, port);
  }
}
