// One target's results and the accessors every report reads them through.
import type { FanoutPhase } from "../harness/modes.ts";
import type { TargetName } from "../harness/target-specs.ts";

import type { ConnectResult } from "../load/connect.ts";
import type { FanoutResult } from "../load/fanout.ts";
import type { JoinLeaveResult } from "../load/join-leave-storm.ts";
import type { PhaseResult } from "../load/phases.ts";
import type { StormResult } from "../load/reconnect-storm.ts";
import type { SocketKind } from "../load/sessions.ts";
import type { ShardCostsResult } from "../load/shard-costs.ts";

export type TargetResult = {
  name: TargetName;
  /** One fan-out session per kind of subscriber the phases needed (load/sessions.ts). */
  fanouts?: FanoutResult[];
  connect?: ConnectResult;
  shardCosts?: ShardCostsResult;
  storm?: StormResult;
  joinLeave?: JoinLeaveResult;
  error?: string;
};

export function fanoutOf(r: TargetResult, sockets: SocketKind): FanoutResult | undefined {
  return r.fanouts?.find((f) => f.sockets === sockets);
}

export function phaseOf(r: TargetResult, name: FanoutPhase): PhaseResult | undefined {
  for (const f of r.fanouts ?? []) for (const p of f.phases) if (p.name === name) return p;
  return undefined;
}

/** Every measured phase of a target, whichever session ran it. */
export const phasesOf = (r: TargetResult): PhaseResult[] => (r.fanouts ?? []).flatMap((f) => f.phases);

/** The runtime workerd's CPU (the Worker and the objects: what production pays) per delivery, in µs. */
export const runtimeMicrosPerDelivery = (p: PhaseResult): number =>
  (p.serverCpuByRole["workerd-runtime"] ?? Number.NaN) / (p.received / 1e6);

/** Average messages per WebSocket frame that carried any: 1 for plain frames. */
export const messagesPerFrame = (p: PhaseResult): number =>
  p.frames === 0 ? Number.NaN : (p.received + p.duplicates + p.wrong) / p.frames;
