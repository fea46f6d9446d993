// CPU time and memory of a server's whole process tree from /proc (Linux only). `wrangler dev` is a
// node process whose children are another node, esbuild and two workerd processes (the proxy on
// the public port and the runtime that runs the Worker), so one pid's numbers would miss the work.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** Kernel clock ticks per second and page size, read once: utime/stime and statm use these units. */
const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
const PAGE_SIZE = Number(execFileSync("getconf", ["PAGESIZE"], { encoding: "utf8" }).trim());

export type ProcSample = {
  pid: number;
  /** What the process is: its command name, refined for node and workerd roles. */
  role: string;
  cpuSeconds: number;
  rssBytes: number;
};

export type TreeSample = {
  /** When taken, in performance.now() milliseconds. */
  at: number;
  cpuSeconds: number;
  rssBytes: number;
  processes: ProcSample[];
};

type Stat = { pid: number; ppid: number; comm: string; cpuTicks: number };

/** /proc/<pid>/stat: `comm` is in parentheses and may hold spaces, so fields are counted after `)`. */
function readStat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    // The process exited between listing /proc and reading it.
    return undefined;
  }
  const close = text.lastIndexOf(")");
  const comm = text.slice(text.indexOf("(") + 1, close);
  // After ")": state(3) ppid(4) ... utime(14) stime(15), so index = field - 3.
  const rest = text.slice(close + 2).split(" ");
  return { pid, ppid: Number(rest[1]), comm, cpuTicks: Number(rest[11]) + Number(rest[12]) };
}

function readRssBytes(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/statm`, "utf8").split(" ")[1]) * PAGE_SIZE;
  } catch {
    return 0;
  }
}

function readCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

/**
 * Names a workerd by its entry socket: wrangler's proxy listens on the public port, the runtime on
 * port 0 (picked by the kernel). The runtime is where the Worker and the Durable Object run.
 */
function roleOf(s: Stat, publicPort: number | undefined): string {
  if (s.comm !== "workerd") return s.comm;
  const entry = /--socket-addr=entry=[^ ]*:(\d+)/.exec(readCmdline(s.pid));
  if (entry === null) return "workerd";
  return Number(entry[1]) === publicPort ? "workerd-proxy" : "workerd-runtime";
}

/** Every live process whose ancestry reaches `root`, root included. */
export function treeOf(root: number): Stat[] {
  const all: Stat[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(Number(name));
    if (s !== undefined) all.push(s);
  }
  const children = new Map<number, Stat[]>();
  for (const s of all) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const rootStat = all.find((s) => s.pid === root);
  if (rootStat === undefined) return [];
  const tree: Stat[] = [];
  const queue = [rootStat];
  // Bounded: each pid is visited once, and /proc lists finitely many.
  for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
    tree.push(s);
    queue.push(...(children.get(s.pid) ?? []));
  }
  return tree;
}

export function sampleTree(root: number, publicPort?: number): TreeSample {
  const processes = treeOf(root).map((s) => ({
    pid: s.pid,
    role: roleOf(s, publicPort),
    cpuSeconds: s.cpuTicks / CLK_TCK,
    rssBytes: readRssBytes(s.pid),
  }));
  return {
    at: performance.now(),
    cpuSeconds: processes.reduce((sum, p) => sum + p.cpuSeconds, 0),
    rssBytes: processes.reduce((sum, p) => sum + p.rssBytes, 0),
    processes,
  };
}

/** CPU seconds each role used between two samples; a process present only in `after` counts from 0. */
export function cpuByRole(before: TreeSample, after: TreeSample): Record<string, number> {
  const start = new Map(before.processes.map((p) => [p.pid, p.cpuSeconds]));
  const byRole: Record<string, number> = {};
  for (const p of after.processes) byRole[p.role] = (byRole[p.role] ?? 0) + p.cpuSeconds - (start.get(p.pid) ?? 0);
  return byRole;
}

/** RSS bytes each role gained between two samples (negative when it shrank). */
export function rssGrowthByRole(before: TreeSample, after: TreeSample): Record<string, number> {
  const byRole: Record<string, number> = {};
  for (const p of after.processes) byRole[p.role] = (byRole[p.role] ?? 0) + p.rssBytes;
  for (const p of before.processes) byRole[p.role] = (byRole[p.role] ?? 0) - p.rssBytes;
  return byRole;
}

/** The first process of the tree with `role`, e.g. the runtime workerd to profile. */
export function pidWithRole(root: number, role: string, publicPort?: number): number | undefined {
  return treeOf(root).find((p) => roleOf(p, publicPort) === role)?.pid;
}

/** The executable path of the tree's process with `role`, for its `--version`. */
export function exeOf(root: number, role: string, publicPort?: number): string | undefined {
  const pid = pidWithRole(root, role, publicPort);
  return pid === undefined ? undefined : readCmdline(pid).split(" ")[0];
}
