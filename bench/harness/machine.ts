// What the figures were measured on: the machine, the toolchain's versions, and the git state of
// the checkout (which commit, and which measured paths were edited).
import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { cpus, loadavg, release, totalmem } from "node:os";
import { join } from "node:path";

export type MachineInfo = {
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  os: string;
  node: string;
  wrangler: string;
  workerd: string;
  loadAverageAtStart: number[];
};

export type GitInfo = { commit: string; dirtyPaths: string[] };

function git(repoRoot: string, args: string[]): string {
  try {
    return execFileSync("git", args, { cwd: repoRoot, encoding: "utf8" }).trim();
  } catch {
    return "";
  }
}

export function gitInfo(repoRoot: string): GitInfo {
  return {
    commit: git(repoRoot, ["rev-parse", "HEAD"]),
    dirtyPaths: git(repoRoot, ["status", "--porcelain", "--", "src", "wrangler.toml", "bench"])
      .split("\n")
      .filter(Boolean),
  };
}

/** `workerdExe`: the runtime workerd a target ran on, asked for its version. */
export async function machineInfo(repoRoot: string, workerdExe: string | undefined): Promise<MachineInfo> {
  const pkg: unknown = JSON.parse(await readFile(join(repoRoot, "node_modules", "wrangler", "package.json"), "utf8"));
  const wrangler = typeof pkg === "object" && pkg !== null && "version" in pkg ? String(pkg.version) : "unknown";
  let workerd = "unknown";
  if (workerdExe !== undefined) {
    try {
      workerd = execFileSync(workerdExe, ["--version"], { encoding: "utf8" }).trim();
    } catch {
      // Reported as unknown; the figures stand without it.
    }
  }
  return {
    cpuModel: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memoryBytes: totalmem(),
    os: `linux ${release()}`,
    node: process.version,
    wrangler,
    workerd,
    loadAverageAtStart: loadavg(),
  };
}
