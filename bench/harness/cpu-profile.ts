// A V8 CPU profile of the Worker's isolate (the Durable Object runs in it too), taken through
// wrangler's inspector proxy with a minimal DevTools-protocol client, and reduced to self and
// inclusive time per function.
import { Inspector } from "./inspector.ts";

/** Microseconds between samples: fine enough for a few-microsecond hot path, cheap enough to run. */
const SAMPLING_INTERVAL_US = 100;

export type CallFrame = { functionName: string; url: string; lineNumber: number; columnNumber: number };
type ProfileNode = { id: number; callFrame: CallFrame; children?: number[] };
export type Profile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };

function isProfile(v: unknown): v is Profile {
  if (typeof v !== "object" || v === null) return false;
  return "nodes" in v && Array.isArray(v.nodes) && "samples" in v && Array.isArray(v.samples) && "timeDeltas" in v;
}

/** Starts sampling; the returned function stops it and hands back the raw profile. */
export async function startCpuProfile(inspectorPort: number): Promise<() => Promise<Profile>> {
  const inspector = await Inspector.open(inspectorPort);
  await inspector.call("Profiler.enable");
  await inspector.call("Profiler.setSamplingInterval", { interval: SAMPLING_INTERVAL_US });
  await inspector.call("Profiler.start");
  return async () => {
    const result = await inspector.call("Profiler.stop");
    inspector.close();
    const profile = typeof result === "object" && result !== null && "profile" in result ? result.profile : undefined;
    if (!isProfile(profile)) throw new Error("Profiler.stop returned no profile");
    return profile;
  };
}

export type FunctionTime = { name: string; selfMs: number; totalMs: number };

/**
 * A sample stands for at most this long. On a shared machine the sampled thread is sometimes
 * descheduled for hundreds of milliseconds; V8 then charges the whole gap to the one sample that
 * follows it (seen here: single samples of 0.3–0.7 s, a third of a 10 s profile, landing on
 * whatever ran next). Capped, a sample weighs what the thread could have run in its interval.
 */
const SAMPLE_CAP_US = 10 * SAMPLING_INTERVAL_US;

/** Milliseconds sample `i` stands for (see SAMPLE_CAP_US). */
export const sampleMs = (profile: Profile, i: number): number =>
  Math.min(profile.timeDeltas[i] ?? 0, SAMPLE_CAP_US) / 1000;

const label = (f: CallFrame) =>
  f.url === ""
    ? f.functionName || "(anonymous)"
    : `${f.functionName || "(anonymous)"} ${f.url.split("/").at(-1)}:${f.lineNumber + 1}`;

/** Self and inclusive milliseconds per function (recursion counted once per sample). */
export function functionTimes(profile: Profile): { totalMs: number; functions: FunctionTime[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let totalMs = 0;
  profile.samples.forEach((id, i) => {
    const ms = sampleMs(profile, i);
    totalMs += ms;
    const leaf = byId.get(id);
    if (leaf === undefined) return;
    self.set(label(leaf.callFrame), (self.get(label(leaf.callFrame)) ?? 0) + ms);
    const seen = new Set<string>();
    // Walk to the root; bounded by the tree's depth.
    for (let n: ProfileNode | undefined = leaf; n !== undefined; n = byId.get(parent.get(n.id) ?? -1)) {
      const name = label(n.callFrame);
      if (seen.has(name)) continue;
      seen.add(name);
      total.set(name, (total.get(name) ?? 0) + ms);
    }
  });
  const functions = [...total.entries()].map(([name, totalFn]) => ({
    name,
    selfMs: self.get(name) ?? 0,
    totalMs: totalFn,
  }));
  return { totalMs, functions };
}
