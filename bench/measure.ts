// The measuring half of `npm run bench`: every target of the run, one session at a time (never two
// at once), each on a fresh server (harness/fresh-server.ts): the fan-out sessions the phases need,
// then connect, shard costs or the reconnect storm. One target failing still leaves the others'
// figures.
import {
  type BenchCredentials,
  cycling,
  makeCredentials,
  mintSubscribers,
  numberedSubs,
} from "./harness/credentials.ts";
import { type ServerBase, withFreshServer } from "./harness/fresh-server.ts";
import { compatibilityDate, type GatewaySource } from "./harness/gateway-source.ts";
import { fanoutPhases } from "./harness/modes.ts";
import type { BenchOptions } from "./harness/options.ts";
import { exeOf } from "./harness/proc-tree.ts";
import { isGateway, keysOf, type TargetName } from "./harness/target-specs.ts";
import type { RunningTarget } from "./harness/targets.ts";
import { runConnect } from "./load/connect.ts";
import { runFanout } from "./load/fanout.ts";
import { runJoinLeaveStorm } from "./load/join-leave-storm.ts";
import { ShardPlacement } from "./load/placement.ts";
import { runStorm } from "./load/reconnect-storm.ts";
import { sessionsFor } from "./load/sessions.ts";
import { runShardCosts } from "./load/shard-costs.ts";
import type { TargetResult } from "./report/results.ts";

type Run = { options: BenchOptions; base: ServerBase; onStart: (t: RunningTarget) => void };

/** One session of one target: what it is called in progress lines, and what it adds to the result. */
type Job = { key: string; what: string; run: (t: RunningTarget, into: TargetResult) => Promise<void> };

/** The sessions `name` runs, each keyed so the same session of every target can run side by side. */
function jobsOf(name: TargetName, options: BenchOptions, placement: ShardPlacement | undefined): Job[] {
  const jobs: Job[] = sessionsFor(fanoutPhases(options.phases), isGateway(name)).map((session) => ({
    key: session.sockets,
    what: `fan-out, ${session.sockets} subscribers (${session.phases.join(", ")})`,
    run: async (t, into) => {
      into.fanouts = [...(into.fanouts ?? []), await runFanout(t, options, session)];
    },
  }));
  if (options.phases.includes("connect"))
    jobs.push({
      key: "connect",
      what: `connect ${options.connectSockets} sockets`,
      run: async (t, into) => {
        into.connect = await runConnect(t, options);
      },
    });
  if (placement !== undefined)
    jobs.push({
      key: "shard-costs",
      what: "shard costs",
      run: async (t, into) => {
        into.shardCosts = await runShardCosts(t, options, placement);
      },
    });
  if (options.phases.includes("join-leave") && isGateway(name))
    jobs.push({
      key: "join-leave",
      what: `join/leave storm, ${options.hookCycles} users`,
      run: async (t, into) => {
        into.joinLeave = await runJoinLeaveStorm(t, options);
      },
    });
  if (options.phases.includes("storm"))
    jobs.push({
      key: "storm",
      what: `reconnect storm, ${options.stormSockets} sockets`,
      run: async (t, into) => {
        into.storm = await runStorm(t, options);
      },
    });
  return jobs;
}

/**
 * Every target's sessions, the same session of each target one after another (the gateway's plain
 * fan-out, then the bare DO's, then the next kind), so the figures a ratio compares were taken
 * minutes apart, not the length of a run: on a shared machine the load drifts. A target whose session
 * failed keeps its error and runs nothing more; the others go on.
 */
async function measureTargets(run: Run, placement: ShardPlacement | undefined): Promise<TargetResult[]> {
  const { options, base, onStart } = run;
  const results = options.targets.map((name): TargetResult => ({ name }));
  const jobs = options.targets.map((name) => jobsOf(name, options, placement));
  const keys = [...new Set(jobs.flat().map((j) => j.key))];
  for (const key of keys)
    for (const [i, name] of options.targets.entries()) {
      const job = jobs[i]?.find((j) => j.key === key);
      const into = results[i];
      if (job === undefined || into === undefined || into.error !== undefined) continue;
      console.error(`[bench] ${name}: ${job.what}`);
      try {
        await withFreshServer(name, base, onStart, (t) => job.run(t, into));
      } catch (err) {
        into.error = err instanceof Error ? err.message : String(err);
        console.error(`[bench] ${into.error}`);
      }
    }
  return results;
}

export type Measured = { results: TargetResult[]; workerdExe: string | undefined };

export async function measureAll(repoRoot: string, options: BenchOptions, source: GatewaySource): Promise<Measured> {
  const credentials: BenchCredentials = await makeCredentials();
  // Shard costs place each point's subscribers on chosen shards; the other modes number them.
  const placement = options.phases.includes("shard-costs")
    ? await ShardPlacement.mint(credentials.jwtSecret, options.shards, options.subscribers)
    : undefined;
  const storm = options.phases.includes("storm") ? options.stormSockets : 0;
  // The join/leave storm's users are 1 … cycles (each joins once), beside its anchor, user 0.
  const joinLeave = options.phases.includes("join-leave") ? options.hookCycles : 0;
  const most = Math.max(options.subscribers, options.connectSockets, storm, joinLeave) + 1;
  // ES256 tokens only when a target verifies them (target-specs `keys`).
  const signing = options.targets.some((t) => keysOf(t) !== "secret") ? credentials.signing : undefined;
  const subscriber =
    placement === undefined
      ? cycling(await mintSubscribers(credentials.jwtSecret, numberedSubs(most), signing))
      : (k: number) => placement.subscriber(k);
  const base: ServerBase = {
    repoRoot,
    gatewayRoot: source.root,
    credentials,
    subscriber,
    compatibilityDate: await compatibilityDate(source.root),
    shards: options.shards,
    direct: options.direct,
  };
  let workerdExe: string | undefined;
  const onStart = (t: RunningTarget) => {
    workerdExe ??= exeOf(t.pid, "workerd-runtime", t.port);
  };
  const results = await measureTargets({ options, base, onStart }, placement);
  return { results, workerdExe };
}
