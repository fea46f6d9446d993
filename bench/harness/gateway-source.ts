// Which gateway code is measured: the working tree (default), a git commit, or another directory.
// A commit is exported with `git archive` into a temp directory (the working tree is never touched),
// so a run can measure a known revision while src/ is being edited, or compare two revisions.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export type GatewaySource = { root: string; label: string; dispose(): Promise<void> };

/**
 * A revision is exported whole (without node_modules, which git does not hold): wrangler.toml's
 * [build] runs `npm run build:console` first, which needs the scripts and every static page, and a
 * fixed list of folders broke each time a page was added. Dependencies come from this checkout.
 */
export async function gatewaySource(repoRoot: string, ref?: string, dir?: string): Promise<GatewaySource> {
  if (ref !== undefined && dir !== undefined) throw new Error("give --gateway-ref or --gateway-dir, not both");
  if (dir !== undefined) {
    const root = resolve(dir);
    if (!existsSync(join(root, "wrangler.toml"))) throw new Error(`${root} has no wrangler.toml`);
    return { root, label: `dir ${root}`, dispose: async () => undefined };
  }
  if (ref === undefined) return { root: repoRoot, label: "working tree", dispose: async () => undefined };
  const commit = execFileSync("git", ["rev-parse", "--verify", `${ref}^{commit}`], {
    cwd: repoRoot,
    encoding: "utf8",
  }).trim();
  const root = await mkdtemp(join(tmpdir(), "bench-gateway-src-"));
  const tar = join(root, "src.tar");
  execFileSync("git", ["archive", "--format=tar", "-o", tar, commit], { cwd: repoRoot });
  execFileSync("tar", ["-xf", tar, "-C", root]);
  await rm(tar);
  await symlink(join(repoRoot, "node_modules"), join(root, "node_modules"), "dir");
  return { root, label: `commit ${commit}`, dispose: () => rm(root, { recursive: true, force: true }) };
}

/** The gateway's compatibility date; the bare DO runs with the same one. */
export async function compatibilityDate(gatewayRoot: string): Promise<string> {
  const toml = await readFile(join(gatewayRoot, "wrangler.toml"), "utf8");
  const m = /^compatibility_date\s*=\s*"([\d-]+)"/m.exec(toml);
  if (m?.[1] === undefined) throw new Error(`${gatewayRoot}/wrangler.toml has no compatibility_date`);
  return m[1];
}
