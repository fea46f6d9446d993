// The fan-out session against one running target: open N sockets of one kind in one room, then
// run the phases that publish to them (load/sessions.ts says which kind each phase needs).
import type { BenchOptions } from "../harness/options.ts";
import { step } from "../harness/progress.ts";
import { layoutMismatch, type RoomLayout } from "../harness/room-layout.ts";
import type { RunningTarget } from "../harness/targets.ts";
import { type ConnectResult, room, warmAndOpen } from "./connect.ts";
import { FrameSink } from "./deliveries.ts";
import { type PhaseContext, type PhasePlan, type PhaseResult, phaseFigure, runPhase } from "./phases.ts";
import {
  needsPublisherSocket,
  planOf,
  type Session,
  type SocketKind,
  subscriberQuery,
  subscribersOf,
} from "./sessions.ts";
import { SocketPublisher } from "./socket-publisher.ts";
import { closeAll } from "./sockets.ts";

const WARMUP_MESSAGES = 20;

export type FanoutResult = {
  /** How the session's subscribers connected (plain, `?batch=1`, filtered). */
  sockets: SocketKind;
  connect: ConnectResult;
  /** Gateway targets: the room's sockets per shard (one entry when unsharded), as the room reported them. */
  shards?: RoomLayout["shards"];
  phases: PhaseResult[];
  otherFrames: number;
  /** Subscriber sockets that closed before the benchmark ended them, by close code and reason. */
  unexpectedCloses: Record<string, number>;
  /** The server's last log lines, kept when something was lost, duplicated or closed. */
  serverLogTail?: string;
};

/**
 * Throws unless the gateway put room `r`'s sockets where its users hash to: the proof that a
 * sharded target is sharded (a `--var` that did not apply would pass for a free hop).
 */
export async function checkLayout(target: RunningTarget, r: string, sockets: number): Promise<RoomLayout | undefined> {
  if (target.rooms === undefined) return undefined;
  const { rooms } = target;
  const shards = new Set(Array.from({ length: sockets }, (_, k) => rooms.shardOf(k))).size;
  const layout = await rooms.layout(r);
  const why = layoutMismatch(layout, sockets, shards);
  if (why !== undefined) throw new Error(`${target.name} (ROOM_SHARDS ${rooms.shards}): ${why}`);
  return layout;
}

/**
 * Warm-up publishes, then each phase in order, to the open sockets of the context's room. Each phase
 * numbers its payloads from its own base (a million apart), so late frames are never miscounted.
 */
export async function publishPhases(at: PhaseContext, plans: readonly PhasePlan[], label = ""): Promise<PhaseResult[]> {
  const first = plans[0];
  if (first === undefined) return [];
  // Warm-up publishes in the measured room, one at a time with the first phase's events (so
  // filtered subscribers get theirs): the delivery path is JIT-compiled before timing.
  const warmup: PhasePlan = {
    ...first,
    name: "warmup",
    phase: { kind: "warmup", inFlight: 1 },
    messages: WARMUP_MESSAGES,
    publication: { ...first.publication, perRequest: 1 },
  };
  await runPhase(at, warmup, 0);
  const results: PhaseResult[] = [];
  let base = 1_000_000;
  for (const plan of plans) {
    const { phase, messages, publication } = plan;
    const offered = phase.kind === "rate" ? `at ${phase.rate}/s` : `${phase.inFlight} requests in flight`;
    const per = publication.perRequest === 1 ? "" : `, ${publication.perRequest} per request`;
    results.push(
      await step(
        at.target.name,
        `${label}${plan.name} phase (${messages} messages ${offered}${per} to ${at.subscribers} sockets)`,
        () => runPhase(at, plan, base),
        phaseFigure,
      ),
    );
    base += 1_000_000;
  }
  return results;
}

/** Whether anything was lost, duplicated, misdelivered, stray or closed: then the server's log tail is kept. */
export function anomalous(sink: FrameSink, phases: readonly PhaseResult[]): boolean {
  return (
    Object.keys(sink.closes).length > 0 ||
    phases.some((p) => p.lost > 0 || p.duplicates > 0 || p.wrong > 0 || (p.outOfOrder ?? 0) > 0 || p.strays > 0)
  );
}

export async function runFanout(target: RunningTarget, options: BenchOptions, session: Session): Promise<FanoutResult> {
  const sink = new FrameSink();
  const r = room();
  const { sockets } = session;
  const label = sockets === "v1" ? "" : `${sockets} `;
  const count = subscribersOf(sockets, options);
  const opened = await warmAndOpen({ target, room: r, count, options, sink, label, query: subscriberQuery(sockets) });
  let publisher: SocketPublisher | undefined;
  try {
    const layout = await checkLayout(target, r, opened.sockets.length);
    // Opened after the layout check, which counts the subscribers alone.
    if (needsPublisherSocket(session.phases)) publisher = await SocketPublisher.open(target, r);
    const plans = session.phases.map((name) => planOf(name, options));
    const at = { target, room: r, subscribers: opened.sockets.length, sink, socket: publisher?.channel };
    const results = await publishPhases(at, plans);
    return {
      sockets: session.sockets,
      connect: opened.result,
      ...(layout === undefined ? {} : { shards: layout.shards }),
      phases: results,
      otherFrames: sink.otherFrames,
      unexpectedCloses: sink.closes,
      ...(anomalous(sink, results) ? { serverLogTail: target.logs() } : {}),
    };
  } finally {
    publisher?.close();
    closeAll(opened.sockets);
  }
}
