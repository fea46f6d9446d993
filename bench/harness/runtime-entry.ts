// The runtime workerd's own entry socket. `wrangler dev` puts a dev-only proxy workerd on the public
// port, which terminates every client connection (HTTP and WebSocket, permessage-deflate included)
// and opens its own to the runtime. Clients that must meet the runtime itself (the compression mode:
// whoever terminates the socket is who compresses) connect to the runtime's entry socket instead. It
// listens on a port the kernel picked: found among the runtime's listening sockets (/proc) as the
// one that answers the Worker's GET /health.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { boundedFetch } from "./bounded-fetch.ts";

const LISTEN = "0A";
const PROBE_TIMEOUT_MS = 2_000;

/** Inodes of the sockets process `pid` holds open. */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m?.[1] !== undefined) inodes.add(m[1]);
    } catch {
      // The descriptor closed between listing and reading it.
    }
  }
  return inodes;
}

/** Local ports of `pid`'s listening IPv4 TCP sockets (/proc/net/tcp: hex port, state, inode at column 9). */
export function listeningPorts(pid: number): number[] {
  const inodes = socketInodes(pid);
  const ports: number[] = [];
  for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const cols = line.trim().split(/\s+/);
    const [local, state, inode] = [cols[1], cols[3], cols[9]];
    if (local === undefined || state !== LISTEN || inode === undefined || !inodes.has(inode)) continue;
    ports.push(Number.parseInt(local.split(":")[1] ?? "", 16));
  }
  return ports;
}

/** The runtime's port that answers `GET /health` with 200, or an error naming what was tried. */
export async function runtimeEntryPort(runtimePid: number, host: string): Promise<number> {
  const ports = listeningPorts(runtimePid);
  for (const port of ports) {
    try {
      const res = await boundedFetch(`http://${host}:${port}/health`, {}, PROBE_TIMEOUT_MS);
      if (res.status === 200) return port;
    } catch {
      // Not the entry (the inspector, or an internal socket that drops plain requests).
    }
  }
  throw new Error(`the runtime workerd (pid ${runtimePid}) answered GET /health on none of ${ports.join(", ")}`);
}
