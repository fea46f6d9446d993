// Fan-out sessions: one fresh server, N subscribers of one kind in one room, then the phases that
// publish to them. How the subscribers connect decides what a phase measures (plain message
// frames, batch frames, filters), so each kind is its own session on its own fresh server, like
// connect mode: no session inherits another's sockets, memory or history.
import { MAX_BATCH_PUBLISH } from "../../src/wire.ts";
import type { BenchOptions, FanoutPhase } from "../harness/options.ts";
import type { PhasePlan } from "./phases.ts";
import { singlePublishes } from "./publish.ts";
import type { SubscriberQuery } from "./sockets.ts";

/**
 * v1: plain message frames; batch: `?batch=1`; filtered: `?events=g<k mod 5>`; control: N/5
 * plain subscribers, which the filtered phase's publishes reach as often as a filter group.
 */
export type SocketKind = "v1" | "batch" | "filtered" | "control";
export const SOCKET_KINDS: readonly SocketKind[] = ["v1", "batch", "filtered", "control"];

const SOCKETS_OF: Record<FanoutPhase, SocketKind> = {
  rate: "v1",
  saturate: "v1",
  "saturate-batch": "batch",
  "batch-publish": "batch",
  filter: "filtered",
  "filter-control": "control",
};

/** Issue 11: subscribers in five groups, each matching a fifth of the published events. */
export const FILTER_GROUPS = 5;
const groupOf = (k: number) => k % FILTER_GROUPS;
const groupEvent = (g: number) => `g${g}`;

/** How many subscribers a session opens: N, or N/5 for the control. */
export function subscribersOf(kind: SocketKind, options: BenchOptions): number {
  return kind === "control" ? Math.max(1, Math.round(options.subscribers / FILTER_GROUPS)) : options.subscribers;
}

/** How the report names a session's subscribers: `N=500 ?batch=1`. */
export function socketsTitle(kind: SocketKind, options: BenchOptions): string {
  const n = `N=${subscribersOf(kind, options)}`;
  switch (kind) {
    case "v1":
      return n;
    case "batch":
      return `${n} ?batch=1`;
    case "filtered":
      return `${n} in ${FILTER_GROUPS} filter groups`;
    case "control":
      return `${n} unfiltered (control)`;
  }
}

export function subscriberQuery(kind: SocketKind): SubscriberQuery | undefined {
  switch (kind) {
    case "v1":
    case "control":
      return undefined;
    case "batch":
      return () => "batch=1";
    case "filtered":
      // Subscriber k's group is k mod 5, so each group holds a fifth of the sockets.
      return (k) => `events=${groupEvent(groupOf(k))}`;
  }
}

export type Session = { sockets: SocketKind; phases: FanoutPhase[] };

/**
 * The sessions `phases` need on one target, in a fixed order. Batch frames, batch publishes and
 * filters are gateway features: the bare targets run v1 subscribers only.
 */
export function sessionsFor(phases: readonly FanoutPhase[], gateway: boolean): Session[] {
  return SOCKET_KINDS.filter((kind) => gateway || kind === "v1")
    .map((sockets) => ({ sockets, phases: phases.filter((p) => SOCKETS_OF[p] === sockets) }))
    .filter((s) => s.phases.length > 0);
}

const BATCH_REQUESTS_IN_FLIGHT = 8;

export function planOf(name: FanoutPhase, options: BenchOptions): PhasePlan {
  const single = singlePublishes(options.payloadBytes);
  const saturate = { kind: "saturate", inFlight: options.saturateInFlight } as const;
  const filtered: PhasePlan = {
    name,
    phase: saturate,
    messages: options.messages * FILTER_GROUPS,
    publication: { ...single, event: (k) => groupEvent(groupOf(k)) },
  };
  switch (name) {
    case "rate":
      return { name, phase: { kind: "rate", rate: options.rate }, messages: options.messages, publication: single };
    case "saturate":
    case "saturate-batch":
      return { name, phase: saturate, messages: options.messages, publication: single };
    case "batch-publish":
      return {
        name,
        // 8 requests of 100 already hold 800 messages; more would only lengthen the queue.
        phase: { kind: "saturate", inFlight: Math.min(options.saturateInFlight, BATCH_REQUESTS_IN_FLIGHT) },
        messages: options.batchMessages,
        publication: { ...single, perRequest: MAX_BATCH_PUBLISH },
      };
    case "filter":
      // Five times the messages, each for a fifth of the sockets: every subscriber gets M, so the
      // phase delivers as many as `saturate` does to N unfiltered subscribers.
      return { ...filtered, wants: (s, k) => groupOf(s) === groupOf(k) };
    case "filter-control":
      // The same publishes to N/5 sockets that want them all: the same deliveries, no filter.
      return { ...filtered, name };
  }
}
