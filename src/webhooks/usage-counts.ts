// The webhook outcomes the queue consumer counts for a tenant's usage series (the `webhooks`
// counter): added up in memory by the isolate while a batch is consumed, flushed once the batch is
// done, one report per tenant, never one per event or per POST.

import type { QueuedEvent } from "../protocol.ts";
import { IsolateCounts } from "../usage/isolate-counts.ts";
import type { WebhookOutcome } from "../usage/metrics.ts";
import { wants } from "./batching.ts";
import type { Target } from "./target-cache.ts";

/** Counts one outcome for `events` event deliveries (an event at one endpoint is one). */
export type CountOutcome = (tenant: string, outcome: WebhookOutcome, events: number) => void;

/** This isolate's webhook counts, from every batch it consumes. */
export const webhookCounts = new IsolateCounts("webhooks");

export const countOutcome =
  (now: () => number): CountOutcome =>
  (tenant, outcome, events) =>
    webhookCounts.add(tenant, "webhooks", outcome, events, now());

/** Event deliveries `events` hold for `endpoints`: the events each endpoint subscribes to, added up. */
export function deliveriesFor(
  events: readonly QueuedEvent[],
  endpoints: readonly string[],
  targets: readonly Target[],
): number {
  let n = 0;
  for (const id of endpoints) {
    const target = targets.find((t) => t.id === id);
    if (target !== undefined) n += events.filter((e) => wants(target, e)).length;
  }
  return n;
}
