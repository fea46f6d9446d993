// The dead-letter queue's consumer: stores each given-up delivery with its events in the tenant's
// hub (GET …/failures lists them, POST …/redeliver queues one again), then tells the outbox the
// events are settled. Messages the platform moved here (the consumer itself failed on them
// max_retries times) name no endpoints: each endpoint that wanted their events gets a record.
import { log } from "../log.ts";
import type { WebhookMessage } from "../protocol.ts";
import { wants } from "./batching.ts";
import { byTenant, type ConsumerDeps, INFRA_RETRY_SECONDS } from "./consumer.ts";
import type { DeadLetter } from "./dead-letter-store.ts";
import { digestId } from "./ids.ts";
import { reportsByOrigin, sendReports } from "./reports.ts";
import type { Target } from "./target-cache.ts";

export type DeadLetterDeps = Pick<ConsumerDeps, "now" | "targets" | "report" | "count"> & {
  storeDeadLetters: (tenant: string, letters: DeadLetter[]) => Promise<void>;
};

const UNKNOWN_ERROR = "the consumer failed on this message repeatedly";

/**
 * A dead letter's id is derived from what it holds, so the same message consumed twice stores one
 * record; a redelivery that failed again keeps the id it was redelivered from.
 */
async function letterId(endpoint: string, m: WebhookMessage, firstAttemptAt: number): Promise<string> {
  if (m.redelivery !== undefined) return m.redelivery;
  return digestId("dl_", `${endpoint}\n${firstAttemptAt}\n${m.events.map((e) => e.id).join("\n")}`);
}

async function lettersOf(m: WebhookMessage, targets: readonly Target[], now: number): Promise<DeadLetter[]> {
  const named = m.endpoints === undefined ? undefined : new Set(m.endpoints);
  const firstAttemptAt = m.firstAttemptAt ?? now;
  const letters: DeadLetter[] = [];
  for (const t of targets) {
    // Moved here by the platform (no endpoints named): events are not kept for a disabled endpoint.
    if (named === undefined ? t.status !== "enabled" : !named.has(t.id)) continue;
    const events = m.events.filter((e) => wants(t, e));
    if (events.length === 0) continue;
    letters.push({
      id: await letterId(t.id, m, firstAttemptAt),
      endpoint: t.id,
      events,
      attempts: Math.max(m.attempt, 1),
      firstAttemptAt,
      lastAttemptAt: now,
      lastError: m.errors?.[t.id] ?? UNKNOWN_ERROR,
      again: m.redelivery !== undefined,
    });
  }
  return letters;
}

export async function consumeDeadLetters(batch: MessageBatch<unknown>, deps: DeadLetterDeps): Promise<void> {
  const groups = byTenant(batch.messages, batch.queue);
  await Promise.all(
    [...groups].map(async ([tenant, items]) => {
      try {
        const targets = await deps.targets(tenant);
        const letters = (await Promise.all(items.map((i) => lettersOf(i.body, targets, deps.now())))).flat();
        await deps.storeDeadLetters(tenant, letters);
        deps.count(
          tenant,
          "deadLettered",
          letters.reduce((n, l) => n + l.events.length, 0),
        );
      } catch (err) {
        log("webhook_dead_letters_unstored", { tenant, error: String(err) });
        for (const { msg } of items) msg.retry({ delaySeconds: INFRA_RETRY_SECONDS });
        return;
      }
      for (const { msg, body } of items) {
        log("webhook_dead_lettered", { tenant, endpoints: body.endpoints?.join(","), events: body.events.length });
        msg.ack();
      }
      await sendReports(reportsByOrigin(items.map((i) => ({ message: i.body }))), deps.report, (origin, err) =>
        log("webhook_report_failed", { tenant, origin, error: String(err) }),
      );
    }),
  );
}
