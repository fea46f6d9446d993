// The join/leave storm (`--mode webhooks`): one room held open by an anchor socket, then
// `--hook-cycles` users each join and leave (open a socket, close it with 1000 and wait for the
// server's close), `--connect-concurrency` at a time, every user once, so each cycle is exactly one
// presence.joined and one presence.left. With the anchor's occupied, joined, left and vacated the
// room owes its endpoint 2·cycles + 4 events. Measured: the cycles' rate and server CPU, and on a
// target with webhooks what its receiver got for the room (each event once by id, duplicates
// apart), how fast, and how long after the storm the last one came. Bounded by the cycle count, a
// time limit on the storm and one on the wait for the events.
import { foreignCores, markLoad } from "../harness/machine-load.ts";
import type { BenchOptions } from "../harness/options.ts";
import { cpuByRole, sampleTree } from "../harness/proc-tree.ts";
import { sleep } from "../harness/processes.ts";
import { step } from "../harness/progress.ts";
import type { RunningTarget } from "../harness/targets.ts";
import type { RoomEvents, WebhookReceiver } from "../harness/webhook-receiver.ts";
import { room, warmIsolate } from "./connect.ts";
import { FrameSink } from "./deliveries.ts";
import { closeAndWait, openSocket } from "./sockets.ts";

/** No new cycle starts after this. */
const STORM_LIMIT_MS = 120_000;
const CLOSE_LIMIT_MS = 10_000;
/** The events may come this long after the storm (the queue's batches, a retry); then the phase ends. */
const EVENTS_LIMIT_MS = 60_000;
const POLL_MS = 50;

export type EventsReceived = {
  expected: number;
  /** Distinct events of the storm's room, repeats of one already received, and counts by type. */
  received: number;
  duplicates: number;
  byType: Record<string, number>;
  /** Events received while the storm ran. */
  duringStorm: number;
  /** Distinct events / (last receipt − storm start). */
  perSecond: number;
  /** Storm end → the last event's receipt. */
  afterStormMs: number;
  posts: number;
};

export type JoinLeaveResult = {
  cycles: number;
  failures: number;
  failureSamples: string[];
  stormMs: number;
  cyclesPerSecond: number;
  /** Server CPU from the storm's start until its events were in (or the storm's end, without webhooks). */
  serverCpuMsPerCycle: number;
  serverCpuMsPerCycleByRole: Record<string, number>;
  otherCores: number;
  events?: EventsReceived;
};

type Storm = { cycles: number; failures: string[]; startedAt: number; endedAt: number };

async function cycleUsers(target: RunningTarget, r: string, options: BenchOptions, sink: FrameSink): Promise<Storm> {
  const failures: string[] = [];
  let next = 1;
  let cycles = 0;
  const startedAt = performance.now();
  const deadline = startedAt + STORM_LIMIT_MS;
  const worker = async () => {
    for (let k = next++; k <= options.hookCycles && performance.now() < deadline; k = next++) {
      try {
        const ws = await openSocket(target.socketUrl(r), target.socketHeaders(k), sink, k, target.clientDeflate);
        await closeAndWait(ws, CLOSE_LIMIT_MS);
        cycles++;
      } catch (err) {
        failures.push(String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.connectConcurrency, options.hookCycles) }, worker));
  return { cycles, failures, startedAt, endedAt: performance.now() };
}

/** Waits (bounded) until the receiver holds `expected` events of room `r`. */
async function awaitEvents(receiver: WebhookReceiver, r: string, expected: number): Promise<RoomEvents> {
  const deadline = performance.now() + EVENTS_LIMIT_MS;
  while (receiver.eventsOf(r).unique < expected && performance.now() < deadline) await sleep(POLL_MS);
  return receiver.eventsOf(r);
}

function eventsFigures(got: RoomEvents, storm: Storm, expected: number, duringStorm: number, posts: number) {
  return {
    expected,
    received: got.unique,
    duplicates: got.duplicates,
    byType: got.byType,
    duringStorm,
    perSecond: got.unique / ((got.lastAt - storm.startedAt) / 1000),
    afterStormMs: got.lastAt - storm.endedAt,
    posts,
  };
}

async function runJoinLeave(target: RunningTarget, options: BenchOptions): Promise<JoinLeaveResult> {
  await warmIsolate(target, options);
  const sink = new FrameSink();
  const r = room();
  const anchor = await openSocket(target.socketUrl(r), target.socketHeaders(0), sink, 0, target.clientDeflate);
  const receiver = target.webhooks;
  const postsBefore = receiver?.posts ?? 0;
  const cpuBefore = sampleTree(target.pid, target.port);
  const loadBefore = markLoad();
  const storm = await cycleUsers(target, r, options, sink);
  const duringStorm = receiver?.eventsOf(r).unique ?? 0;
  await closeAndWait(anchor, CLOSE_LIMIT_MS);
  const expected = 2 * storm.cycles + 4;
  const got = receiver === undefined ? undefined : await awaitEvents(receiver, r, expected);
  const cpuAfter = sampleTree(target.pid, target.port);
  const per = 1000 / Math.max(1, storm.cycles);
  const stormMs = storm.endedAt - storm.startedAt;
  return {
    cycles: storm.cycles,
    failures: storm.failures.length,
    failureSamples: [...new Set(storm.failures)].slice(0, 5),
    stormMs,
    cyclesPerSecond: storm.cycles / (stormMs / 1000),
    serverCpuMsPerCycle: (cpuAfter.cpuSeconds - cpuBefore.cpuSeconds) * per,
    serverCpuMsPerCycleByRole: Object.fromEntries(
      Object.entries(cpuByRole(cpuBefore, cpuAfter)).map(([role, s]) => [role, s * per]),
    ),
    otherCores: foreignCores(loadBefore, markLoad()),
    ...(got === undefined || receiver === undefined
      ? {}
      : { events: eventsFigures(got, storm, expected, duringStorm, receiver.posts - postsBefore) }),
  };
}

export function runJoinLeaveStorm(target: RunningTarget, options: BenchOptions): Promise<JoinLeaveResult> {
  return step(
    target.name,
    `join/leave storm (${options.hookCycles} users, ${options.connectConcurrency} at a time)`,
    () => runJoinLeave(target, options),
    (r) =>
      `${r.cycles} cycles, ${r.failures} failed, ${r.cyclesPerSecond.toFixed(0)}/s` +
      (r.events === undefined ? "" : `; ${r.events.received} of ${r.events.expected} events at the receiver`),
  );
}
