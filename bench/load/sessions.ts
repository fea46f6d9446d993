// Fan-out sessions: one fresh server, N subscribers of one kind in one room, then the phases that
// publish to them. How the subscribers connect decides what a phase measures (plain message
// frames, batch frames, filters), so each kind is its own session on its own fresh server, like
// connect mode: no session inherits another's sockets, memory or history.
import { MAX_BATCH_PUBLISH } from "../../src/wire.ts";
import type { FanoutPhase } from "../harness/modes.ts";
import type { BenchOptions } from "../harness/options.ts";
import type { PhasePlan } from "./phases.ts";
import { type Publication, singlePublishes } from "./publish.ts";
import type { SubscriberQuery } from "./sockets.ts";

/**
 * v1: plain message frames; batch: `?batch=1`; filtered: `?events=g<k mod 5>`; control: N/5
 * plain subscribers, which the filtered phase's publishes reach as often as a filter group;
 * publisher: one plain subscriber and, on the gateway, one socket that publishes (it gets its own
 * copies too, so every phase of the session delivers to 2 sockets there): with so few, a publish's
 * fixed costs, the Worker's and the room's, are what the phases measure.
 */
export type SocketKind = "v1" | "batch" | "filtered" | "control" | "publisher";
export const SOCKET_KINDS: readonly SocketKind[] = ["v1", "batch", "filtered", "control", "publisher"];

/** Each phase's subscribers, and whether it needs a gateway feature (the bare targets skip it). */
const SOCKETS_OF: Record<FanoutPhase, { sockets: SocketKind; gatewayOnly?: true }> = {
  rate: { sockets: "v1" },
  saturate: { sockets: "v1" },
  "saturate-light": { sockets: "v1" },
  "json-256": { sockets: "v1" },
  "json-4k": { sockets: "v1" },
  "saturate-batch": { sockets: "batch", gatewayOnly: true },
  "batch-publish": { sockets: "batch", gatewayOnly: true },
  "batch-json-256": { sockets: "batch", gatewayOnly: true },
  "batch-json-4k": { sockets: "batch", gatewayOnly: true },
  filter: { sockets: "filtered", gatewayOnly: true },
  "filter-control": { sockets: "control", gatewayOnly: true },
  "http-serial": { sockets: "publisher" },
  "http-light": { sockets: "publisher" },
  "ws-serial": { sockets: "publisher", gatewayOnly: true },
  "ws-light": { sockets: "publisher", gatewayOnly: true },
};

/** Filtered subscribers: five groups, each matching a fifth of the published events. */
export const FILTER_GROUPS = 5;
const groupOf = (k: number) => k % FILTER_GROUPS;
const groupEvent = (g: number) => `g${g}`;

/** How many subscribers a session opens: N, or N/5 for the control. */
export function subscribersOf(kind: SocketKind, options: BenchOptions): number {
  if (kind === "publisher") return 1;
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
    case "publisher":
      return `${n} + a publishing socket (gateway)`;
  }
}

export function subscriberQuery(kind: SocketKind): SubscriberQuery | undefined {
  switch (kind) {
    case "v1":
    case "control":
    case "publisher":
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
 * The sessions `phases` need on one target, in a fixed order. Batch frames, batch publishes,
 * filters and socket publishes are gateway features: the bare targets run the other phases only.
 */
export function sessionsFor(phases: readonly FanoutPhase[], gateway: boolean): Session[] {
  return SOCKET_KINDS.map((sockets) => ({
    sockets,
    phases: phases.filter((p) => SOCKETS_OF[p].sockets === sockets && (gateway || !SOCKETS_OF[p].gatewayOnly)),
  })).filter((s) => s.phases.length > 0);
}

/** Whether a phase publishes over the session's publishing socket. */
export const needsPublisherSocket = (phases: readonly FanoutPhase[]): boolean =>
  phases.some((p) => p.startsWith("ws-"));

const BATCH_REQUESTS_IN_FLIGHT = 8;
/** The compression mode's payload sizes: a small and a larger JSON document. */
const JSON_BYTES = { "256": 256, "4k": 4_096 } as const;

export function planOf(name: FanoutPhase, options: BenchOptions): PhasePlan {
  const single = singlePublishes(options.payloadBytes);
  const saturated = (publication: Publication, inFlight = options.saturateInFlight): PhasePlan => ({
    name,
    phase: { kind: "saturate", inFlight },
    messages: options.messages,
    publication,
  });
  const socket = { ...single, via: "socket" } as const;
  switch (name) {
    case "rate":
      return { name, phase: { kind: "rate", rate: options.rate }, messages: options.messages, publication: single };
    case "saturate":
    case "saturate-batch":
      return saturated(single);
    case "saturate-light":
    case "http-light":
      return saturated(single, options.lightInFlight);
    case "ws-light":
      return saturated(socket, options.lightInFlight);
    case "http-serial":
      return saturated(single, 1);
    case "ws-serial":
      return saturated(socket, 1);
    case "json-256":
    case "batch-json-256":
      return saturated(singlePublishes(JSON_BYTES["256"], "json"));
    case "json-4k":
    case "batch-json-4k":
      return saturated(singlePublishes(JSON_BYTES["4k"], "json"));
    case "batch-publish":
      return {
        ...saturated(
          { ...single, perRequest: MAX_BATCH_PUBLISH },
          // 8 requests of 100 already hold 800 messages; more would only lengthen the queue.
          Math.min(options.saturateInFlight, BATCH_REQUESTS_IN_FLIGHT),
        ),
        messages: options.batchMessages,
      };
    case "filter":
    case "filter-control": {
      // Five times the messages, each for a fifth of the sockets: every subscriber gets M, so the
      // phase delivers as many as `saturate` does to N unfiltered subscribers. The control gets the
      // same publishes on N/5 sockets that want them all: the same deliveries, no filter.
      const plan = saturated({ ...single, event: (k) => groupEvent(groupOf(k)) });
      const filtered = { ...plan, messages: options.messages * FILTER_GROUPS };
      return name === "filter" ? { ...filtered, wants: (s, k) => groupOf(s) === groupOf(k) } : filtered;
    }
  }
}
