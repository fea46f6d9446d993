// The measuring half of `npm run bench`: every target of the run, one after another (never at
// once), each session on a fresh server (harness/fresh-server.ts): the fan-out sessions its phases
// need, then connect, shard costs or the reconnect storm. One target failing still leaves the
// others' figures.
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
import { isGateway, type TargetName } from "./harness/target-specs.ts";
import type { RunningTarget } from "./harness/targets.ts";
import { runConnect } from "./load/connect.ts";
import { runFanout } from "./load/fanout.ts";
import { ShardPlacement } from "./load/placement.ts";
import { runStorm } from "./load/reconnect-storm.ts";
import { sessionsFor } from "./load/sessions.ts";
import { runShardCosts } from "./load/shard-costs.ts";
import type { TargetResult } from "./report/results.ts";

type Run = { options: BenchOptions; base: ServerBase; onStart: (t: RunningTarget) => void };

async function measureTarget(name: TargetName, run: Run, placement: ShardPlacement | undefined): Promise<TargetResult> {
  const { options, base, onStart } = run;
  const fresh = <T>(session: (t: RunningTarget) => Promise<T>) => withFreshServer(name, base, onStart, session);
  const result: TargetResult = { name };
  try {
    for (const session of sessionsFor(fanoutPhases(options.phases), isGateway(name))) {
      console.error(`[bench] ${name}: fan-out, ${session.sockets} subscribers (${session.phases.join(", ")})`);
      const fanout = await fresh((t) => runFanout(t, options, session));
      result.fanouts = [...(result.fanouts ?? []), fanout];
    }
    if (options.phases.includes("connect")) {
      console.error(`[bench] ${name}: connect ${options.connectSockets} sockets`);
      result.connect = await fresh((t) => runConnect(t, options));
    }
    if (placement !== undefined) {
      console.error(`[bench] ${name}: shard costs`);
      result.shardCosts = await fresh((t) => runShardCosts(t, options, placement));
    }
    if (options.phases.includes("storm")) {
      console.error(`[bench] ${name}: reconnect storm, ${options.stormSockets} sockets`);
      result.storm = await fresh((t) => runStorm(t, options));
    }
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
    console.error(`[bench] ${result.error}`);
  }
  return result;
}

export type Measured = { results: TargetResult[]; workerdExe: string | undefined };

export async function measureAll(repoRoot: string, options: BenchOptions, source: GatewaySource): Promise<Measured> {
  const credentials: BenchCredentials = await makeCredentials();
  // Shard costs place each point's subscribers on chosen shards; the other modes number them.
  const placement = options.phases.includes("shard-costs")
    ? await ShardPlacement.mint(credentials.jwtSecret, options.shards, options.subscribers)
    : undefined;
  const storm = options.phases.includes("storm") ? options.stormSockets : 0;
  const most = Math.max(options.subscribers, options.connectSockets, storm) + 1;
  const subscriber =
    placement === undefined
      ? cycling(await mintSubscribers(credentials.jwtSecret, numberedSubs(most)))
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
  const results: TargetResult[] = [];
  for (const name of options.targets) results.push(await measureTarget(name, { options, base, onStart }, placement));
  return { results, workerdExe };
}
