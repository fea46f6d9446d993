// A native profile of one process with Linux `perf` (when installed and permitted): where a workerd
// spends its CPU below JavaScript, grouped into kernel, V8, workerd's API layer, kj I/O, SQLite and
// the allocator. The V8 profile cannot see any of this.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";

export type PerfRecording = { stop(): Promise<PerfReport | undefined> };
export type PerfSymbol = { percent: number; symbol: string; category: string };
export type PerfReport = { categories: Record<string, number>; top: PerfSymbol[] };

const CATEGORIES: [string, RegExp][] = [
  ["kernel (syscalls, network, page faults)", /^\[k\]/],
  ["sqlite", /sqlite/i],
  ["allocator (tcmalloc, memcpy)", /tcmalloc|TCMalloc|memmove|memcpy|memset|malloc|free\b/],
  ["V8 GC", /v8::internal::(Heap|MarkCompact|Scavenge|Sweeper|GC|Marking|cppgc)|cppgc::/],
  ["V8 runtime & builtins", /v8::|Builtins_|Ignition|Turbofan|Maglev/],
  ["JS (jitted code)", /^\[\.\] 0x|\[unknown\]|JS:|LazyCompile|^\[\.\] [~*]/],
  ["workerd API & jsg", /workerd::(api|jsg)|jsg::/],
  ["workerd I/O gates & actors", /workerd::(InputGate|OutputGate|Actor|IoContext|Worker)/],
  ["kj / hyper / tokio I/O", /kj::|kj_|hyper|tokio|capnp/],
];

function categorize(symbol: string): string {
  for (const [name, re] of CATEGORIES) if (re.test(symbol)) return name;
  return "other";
}

export function perfAvailable(): boolean {
  try {
    execFileSync("perf", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** `perf report` lines look like `    3.20%  [.] symbol`; children are off, so percentages are self time. */
function parseReport(text: string): PerfReport {
  const top: PerfSymbol[] = [];
  const categories: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const m = /^\s+([\d.]+)%\s+(\[[.k]\]\s+.*?)\s*$/.exec(line);
    if (m === null) continue;
    const percent = Number(m[1]);
    const symbol = m[2] ?? "";
    const category = categorize(symbol);
    categories[category] = (categories[category] ?? 0) + percent;
    top.push({ percent, symbol: symbol.slice(0, 140), category });
  }
  return { categories, top: top.slice(0, 30) };
}

/** Records `pid` until stop(); resolves undefined when perf is missing or not allowed. */
export function recordPerf(pid: number, dataFile: string): PerfRecording {
  if (!perfAvailable()) return { stop: async () => undefined };
  const child: ChildProcess = spawn("perf", ["record", "-F", "999", "-g", "-p", String(pid), "-o", dataFile], {
    stdio: "ignore",
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    async stop() {
      // perf writes its data file on SIGINT, as after Ctrl-C.
      child.kill("SIGINT");
      const code = await exited;
      if (code !== 0 && code !== null) return undefined;
      const report = execFileSync(
        "perf",
        ["report", "-i", dataFile, "--no-children", "--sort", "symbol", "--stdio", "-g", "none"],
        { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, stdio: ["ignore", "pipe", "ignore"] },
      );
      return parseReport(report);
    },
  };
}
