// The webhook queue's consumer. A batch's messages are grouped per tenant; each endpoint gets the
// events it subscribes to from all of them, in as few POSTs as the limits allow; then each message
// is settled, re-queued (only for the endpoints that failed: the others are not sent it again) or
// dead-lettered, and the outboxes that handed the events over are told.
import type { WebhookSettings } from "../config.ts";
import { log } from "../log.ts";
import { type WebhookMessage, webhookMessageSchema } from "../protocol.ts";
import { chunk, eventsOf, type Part, plan } from "./batching.ts";
import { type HealthOutcome, worthRecording } from "./endpoint-health.ts";
import { type Fate, fateOf } from "./fate.ts";
import { type PostDeps, postDelivery } from "./post.ts";
import { type MessageFate, type OutboxReport, reportsByOrigin, sendReports } from "./reports.ts";
import type { Target } from "./target-cache.ts";
import { type CountOutcome, deliveriesFor } from "./usage-counts.ts";

/** A message whose processing failed for a reason of ours (storage, the queue) is tried again after this. */
export const INFRA_RETRY_SECONDS = 30;
/**
 * An outbox waits this many hand-off leases past a retry's delay before it hands the events over
 * again: the retry has to come out of the queue, be delivered and reported within it.
 */
const RETRY_GRACE_LEASES = 2;

export type ConsumerDeps = PostDeps & {
  settings: WebhookSettings;
  random: () => number;
  targets: (tenant: string) => Promise<Target[]>;
  forgetTargets: (tenant: string) => void;
  requeue: (message: WebhookMessage, delaySeconds: number) => Promise<void>;
  deadLetter: (message: WebhookMessage) => Promise<void>;
  recordHealth: (tenant: string, outcomes: HealthOutcome[]) => Promise<string[]>;
  forgetDeadLetter: (tenant: string, endpoint: string, id: string) => Promise<void>;
  report: (origin: string, report: OutboxReport) => Promise<void>;
  /** Counts outcomes for the tenant's usage; flushed by the caller once the batch is done. */
  count: CountOutcome;
};

type Item = { msg: Message<unknown>; body: WebhookMessage };

/** Parses a queue message; one that cannot be parsed can never be delivered, so it is dropped (acked) and logged. */
export function parsed(msg: Message<unknown>, queue: string): WebhookMessage | undefined {
  const result = webhookMessageSchema.safeParse(msg.body);
  if (result.success) return result.data;
  log("webhook_message_invalid", { queue, message: msg.id, problem: result.error.issues[0]?.message });
  msg.ack();
  return undefined;
}

/** Items grouped by tenant, in batch order. */
export function byTenant(batch: readonly Message<unknown>[], queue: string): Map<string, Item[]> {
  const groups = new Map<string, Item[]>();
  for (const msg of batch) {
    const body = parsed(msg, queue);
    if (body !== undefined) groups.set(body.tenant, [...(groups.get(body.tenant) ?? []), { msg, body }]);
  }
  return groups;
}

export async function consumeEvents(batch: MessageBatch<unknown>, deps: ConsumerDeps): Promise<void> {
  const groups = byTenant(batch.messages, batch.queue);
  await Promise.all([...groups].map(([tenant, items]) => consumeTenant(tenant, items, deps)));
}

async function consumeTenant(tenant: string, items: Item[], deps: ConsumerDeps): Promise<void> {
  let targets: Target[];
  try {
    targets = await deps.targets(tenant);
  } catch (err) {
    log("webhook_targets_unavailable", { tenant, error: String(err) });
    for (const { msg } of items) msg.retry({ delaySeconds: INFRA_RETRY_SECONDS });
    return;
  }
  const { parts, disabled } = plan(
    items.map((i) => i.body),
    targets,
  );
  const { failed, outcomes } = await deliverAll(tenant, parts, targets, deps);
  const fates: MessageFate[] = [];
  await Promise.all(
    items.map(async (item, index) => {
      const off = disabled.filter((d) => d.message === index).map((d) => d.endpoint);
      const fate = fateOf(item.body, failed.get(index) ?? new Map(), off, deps.now(), deps.settings, deps.random());
      if (!(await handOn(tenant, item, fate, deps))) return;
      if (fate.retry !== undefined) {
        const { events, endpoints = [] } = fate.retry.message;
        deps.count(tenant, "retried", deliveriesFor(events, endpoints, targets));
      }
      const reported = forReport(item.body, fate, deps.now(), deps.settings.handoffLeaseMs);
      if (reported !== undefined) fates.push(reported);
    }),
  );
  await sendReports(reportsByOrigin(fates), deps.report, (origin, err) =>
    log("webhook_report_failed", { tenant, origin, error: String(err) }),
  );
  await recordHealth(tenant, outcomes, targets, deps);
}

/** POSTs each endpoint's chunks in order (endpoints in parallel); after a failure the rest wait for the retry. */
async function deliverAll(tenant: string, parts: Map<string, Part[]>, targets: Target[], deps: ConsumerDeps) {
  const failed = new Map<number, Map<string, string>>();
  const outcomes: HealthOutcome[] = [];
  await Promise.all(
    targets.map(async (target) => {
      let error: string | undefined;
      for (const c of chunk(parts.get(target.id) ?? [])) {
        if (error === undefined) {
          error = await postDelivery(target, eventsOf(c), deps);
          outcomes.push({ endpoint: target.id, at: deps.now(), ok: error === undefined, error });
          deps.count(tenant, error === undefined ? "delivered" : "failed", eventsOf(c).length);
          if (error !== undefined)
            log("webhook_delivery_failed", { tenant, endpoint: target.id, events: eventsOf(c).length, error });
        }
        if (error === undefined) continue;
        for (const p of c) failed.set(p.message, (failed.get(p.message) ?? new Map()).set(target.id, error));
      }
    }),
  );
  return { failed, outcomes };
}

/** Sends the retry and the dead letter, then acks; false (and a redelivery of the message later) if either send failed. */
async function handOn(tenant: string, { msg, body }: Item, fate: Fate, deps: ConsumerDeps): Promise<boolean> {
  try {
    if (fate.retry !== undefined) await deps.requeue(fate.retry.message, fate.retry.delayMs / 1000);
    if (fate.deadLetter !== undefined) await deps.deadLetter(fate.deadLetter);
    const redelivered = body.redelivery !== undefined && fate.retry === undefined && fate.deadLetter === undefined;
    if (redelivered) await deps.forgetDeadLetter(tenant, body.endpoints?.[0] ?? "", body.redelivery ?? "");
  } catch (err) {
    log("webhook_handoff_failed", { tenant, message: msg.id, error: String(err) });
    msg.retry({ delaySeconds: INFRA_RETRY_SECONDS });
    return false;
  }
  msg.ack();
  return true;
}

/** What the outbox hears now; nothing when the dead letter carries its origin (reported once stored). */
function forReport(m: WebhookMessage, fate: Fate, now: number, leaseMs: number): MessageFate | undefined {
  if (fate.retry !== undefined)
    return { message: m, retryUntil: now + fate.retry.delayMs + RETRY_GRACE_LEASES * leaseMs };
  return fate.deadLetter?.origin === undefined ? { message: m } : undefined;
}

/** Only outcomes that change an endpoint's stored health are written; a switched-off endpoint is logged. */
async function recordHealth(tenant: string, outcomes: HealthOutcome[], targets: Target[], deps: ConsumerDeps) {
  const since = new Map(targets.map((t) => [t.id, t.failingSince]));
  const { disableAfterMs } = deps.settings;
  const worth = outcomes.filter((o) => worthRecording(o.ok, since.get(o.endpoint), o.at, disableAfterMs));
  if (worth.length === 0) return;
  try {
    const disabled = await deps.recordHealth(tenant, worth);
    // The next batch reads the new health, so it does not write the same change again.
    deps.forgetTargets(tenant);
    for (const endpoint of disabled) log("webhook_endpoint_disabled", { tenant, endpoint });
  } catch (err) {
    log("webhook_health_unrecorded", { tenant, error: String(err) });
  }
}
