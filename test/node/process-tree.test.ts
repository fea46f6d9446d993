// `npm start` stops the whole tree (wrangler and both workerd processes) however it is told to
// stop: a supervisor signalling npm alone (npm runs the script under `sh -c`, which passes nothing
// on), or SIGINT/SIGTERM to the script. A fake wrangler stands in for the real one: it exits on a
// signal without stopping its own child, the case only a process-group kill cleans up. Linux: reads /proc.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../support/wait.ts";

const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));
const WAIT_MS = 10_000;

type Tree = { dir: string; npm: number; start: number; wrangler: number; workerd: number };
const trees: Tree[] = [];

/** Alive and not a zombie (an orphan's zombie lingers until something reaps it). */
async function alive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  return stat !== undefined && stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
}

async function parentOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}

/** `npm start` in a scratch project whose wrangler is the fake; resolves once both fakes run. */
async function startTree(env: Record<string, string> = {}): Promise<Tree> {
  const dir = await mkdtemp(join(tmpdir(), "bgw-tree-"));
  await mkdir(join(dir, "node_modules", ".bin"), { recursive: true });
  await copyFile(join(FIXTURES, "fake-wrangler.mjs"), join(dir, "node_modules", ".bin", "wrangler"));
  const script = `node ${join(FIXTURES, "run-wrangler.ts")} ${dir}`;
  await writeFile(
    join(dir, "package.json"),
    JSON.stringify({ name: "tree", private: true, scripts: { start: script } }),
  );
  const pidsFile = join(dir, "pids.json");
  // Its own process group, so the signals below reach npm alone, as a supervisor's would.
  const npm = spawn("npm", ["start", "--silent"], {
    cwd: dir,
    env: { ...process.env, ...env, FAKE_WRANGLER_PIDS: pidsFile },
    stdio: "ignore",
    detached: true,
  });
  if (npm.pid === undefined) throw new Error("npm did not start");
  const tree: Tree = { dir, npm: npm.pid, start: 0, wrangler: 0, workerd: 0 };
  trees.push(tree);
  await waitFor("the fake wrangler's pids", async () => (await readFile(pidsFile).catch(() => "")).length > 0, WAIT_MS);
  const pids = JSON.parse(await readFile(pidsFile, "utf8")) as { wrangler: number; workerd: number };
  Object.assign(tree, pids, { start: await parentOf(pids.wrangler) });
  return tree;
}

const members = (t: Tree) => [t.npm, t.start, t.wrangler, t.workerd];

async function survivors(t: Tree): Promise<number[]> {
  const left = [];
  for (const pid of members(t)) if (await alive(pid)) left.push(pid);
  return left;
}

afterEach(async () => {
  // A failed test must not leave its fakes running.
  for (const t of trees.splice(0)) {
    for (const pid of members(t))
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // ESRCH: already gone, as it should be.
      }
    await rm(t.dir, { recursive: true, force: true });
  }
});

describe("npm start's process tree", () => {
  it("is whole while running: npm, the script, wrangler and its child", async () => {
    const t = await startTree();
    expect(await survivors(t)).toEqual(members(t));
  });

  it("ends entirely when a supervisor sends SIGTERM to npm alone", async () => {
    const t = await startTree();
    process.kill(t.npm, "SIGTERM");
    await waitFor("every process to end", async () => (await survivors(t)).length === 0, WAIT_MS);
  });

  it("gives wrangler time to shut down cleanly before anything is killed", async () => {
    const t = await startTree({ FAKE_WRANGLER_SHUTDOWN_MS: "3000" });
    process.kill(t.npm, "SIGTERM");
    await waitFor("every process to end", async () => (await survivors(t)).length === 0, WAIT_MS);
    expect(existsSync(join(t.dir, "pids.json.clean"))).toBe(true);
  });

  for (const signal of ["SIGINT", "SIGTERM"] as const)
    it(`ends entirely when the script itself gets ${signal}`, async () => {
      const t = await startTree();
      process.kill(t.start, signal);
      await waitFor("every process to end", async () => (await survivors(t)).length === 0, WAIT_MS);
    });
});
