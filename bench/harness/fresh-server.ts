// Every session runs on a fresh server in a fresh temp directory, started when the session begins
// and stopped (its whole process tree) when it ends, however it ends; no session inherits another's
// sockets, memory, history or CPU.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitForQuiet } from "./machine-load.ts";
import { step } from "./progress.ts";
import type { TargetName } from "./target-specs.ts";
import { type RunningTarget, startTarget, type TargetContext } from "./targets.ts";

/** Sessions wait (at most QUIET_WAIT_MS) until other processes use less than this many cores. */
const QUIET_CORES = 0.2;
const QUIET_WAIT_MS = 30_000;

export type ServerBase = Omit<TargetContext, "dir">;

/** Runs `session` on a fresh `name` server; `onStart` sees each server once it listens. */
export async function withFreshServer<T>(
  name: TargetName,
  base: ServerBase,
  onStart: (t: RunningTarget) => void,
  session: (t: RunningTarget) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), `bench-${name}-`));
  let target: RunningTarget | undefined;
  try {
    target = await step(
      name,
      "server start",
      () => startTarget(name, { ...base, dir }),
      (t) => `listening on port ${t.port}`,
    );
    onStart(target);
    const other = await waitForQuiet(QUIET_CORES, QUIET_WAIT_MS);
    if (other >= QUIET_CORES)
      console.error(`[bench] ${name}: machine still busy (${other.toFixed(2)} cores elsewhere)`);
    return await session(target);
  } catch (err) {
    const logs = target?.logs() ?? "";
    throw new Error(`${name}: ${err instanceof Error ? err.message : String(err)}${logs ? `\n${logs}` : ""}`);
  } finally {
    await target?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
