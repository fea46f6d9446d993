// A publish's CPU on the room object apart from the Worker's. The same messages go to the same
// sockets twice: as HTTP publishes (the Worker checks the API key, the rate limit and the body,
// logs, and calls the room) and as publish frames on a socket of the room (the frame goes straight
// to the room object; the Worker never runs). The socket publish's runtime CPU is the room's share;
// the difference is the Worker's. One subscriber and the publishing socket, so a publish's fixed
// costs are what is measured; each with one publish in flight (one at a time: no coalescing, no
// overlap) and with 8. The bare DO's HTTP publish (its tiny Worker and its object) is the floor.
// Both sides of the difference are one process's CPU over the same number of publishes to the same
// sockets, so the deliveries cancel; what does not is that the room parses a client frame and sends
// an ack for a socket publish, and decodes an RPC call for an HTTP one.
import type { FanoutPhase } from "../harness/modes.ts";
import type { BenchOptions } from "../harness/options.ts";
import type { PhaseResult } from "../load/phases.ts";
import { phaseOf, type TargetResult } from "./results.ts";
import { fmt, markdownTable } from "./table.ts";

const RUNTIME = "workerd-runtime";

/** Runtime (or whole-tree) CPU µs per publish answered. */
const perPublish = (p: PhaseResult | undefined, role = RUNTIME): number =>
  p === undefined || p.publish.ok === 0
    ? Number.NaN
    : ((role === "total" ? p.serverCpuSeconds : (p.serverCpuByRole[role] ?? Number.NaN)) * 1e6) / p.publish.ok;

export type RoomShareColumn = {
  load: string;
  /** Runtime workerd µs per publish. */
  httpPublish: number;
  socketPublish: number;
  worker: number;
  room: number;
  bareDoPublish: number;
  /** Whole tree µs per publish (wrangler's dev-only node and proxy too). */
  httpPublishTree: number;
  socketPublishTree: number;
  deliveriesPerPublish: number;
  latencyP50Http: number;
  latencyP50Socket: number;
};

function column(load: string, gw: TargetResult, bare: TargetResult | undefined, http: FanoutPhase, ws: FanoutPhase) {
  const [h, s] = [phaseOf(gw, http), phaseOf(gw, ws)];
  if (h === undefined || s === undefined) return undefined;
  return {
    load,
    httpPublish: perPublish(h),
    socketPublish: perPublish(s),
    worker: perPublish(h) - perPublish(s),
    room: perPublish(s),
    bareDoPublish: perPublish(bare === undefined ? undefined : phaseOf(bare, http)),
    httpPublishTree: perPublish(h, "total"),
    socketPublishTree: perPublish(s, "total"),
    deliveriesPerPublish: h.publish.reportedDelivered / Math.max(1, h.publish.ok),
    latencyP50Http: h.latencyMs.p50,
    latencyP50Socket: s.latencyMs.p50,
  };
}

/** The one-in-flight and the light columns the gateway measured, or undefined when it ran neither. */
export function roomShare(results: readonly TargetResult[], options: BenchOptions): RoomShareColumn[] | undefined {
  const gw = results.find((r) => r.name === "gateway");
  if (gw === undefined) return undefined;
  const bare = results.find((r) => r.name === "bare-do");
  const columns = [
    column("1 in flight", gw, bare, "http-serial", "ws-serial"),
    column(`${options.lightInFlight} in flight`, gw, bare, "http-light", "ws-light"),
  ].filter((c) => c !== undefined);
  return columns.length === 0 ? undefined : columns;
}

const ROWS: [string, (c: RoomShareColumn) => number, number][] = [
  ["HTTP publish (Worker + room), runtime µs", (c) => c.httpPublish, 0],
  ["socket publish (room alone), runtime µs", (c) => c.socketPublish, 0],
  ["→ the Worker's share (HTTP − socket) µs", (c) => c.worker, 0],
  ["→ the room's share µs", (c) => c.room, 0],
  ["bare DO, HTTP publish (Worker + object), runtime µs", (c) => c.bareDoPublish, 0],
  ["room's share / bare DO's whole publish", (c) => c.room / c.bareDoPublish, 2],
  ["HTTP publish, whole tree µs (dev-only node, proxy)", (c) => c.httpPublishTree, 0],
  ["socket publish, whole tree µs", (c) => c.socketPublishTree, 0],
  ["sockets written per publish", (c) => c.deliveriesPerPublish, 0],
  ["latency p50 ms, HTTP publish", (c) => c.latencyP50Http, 1],
  ["latency p50 ms, socket publish", (c) => c.latencyP50Socket, 1],
];

export function renderRoomShare(columns: readonly RoomShareColumn[], options: BenchOptions): string {
  const rows = ROWS.map(([label, f, digits]) => [label, ...columns.map((c) => fmt(f(c), digits))]);
  return (
    `CPU per publish, the room object apart from the Worker (gateway: 1 subscriber + the publishing socket; ` +
    `${options.payloadBytes} B):\n\n${markdownTable(["", ...columns.map((c) => c.load)], rows)}`
  );
}
