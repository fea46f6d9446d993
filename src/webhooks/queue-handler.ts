// The Worker's `queue()` entry: events from the webhook queue, dead letters from its DLQ (a queue
// whose name ends in "-dlq"), each with the ports the consumer needs built from the env.

import { type Config, configFor } from "../config.ts";
import type { Env } from "../env.ts";
import type { WebhookMessage } from "../protocol.ts";
import { roomStubByName } from "../room/client.ts";
import { sendWorkerReport } from "../usage/worker-refusals.ts";
import { type ConsumerDeps, consumeEvents } from "./consumer.ts";
import { consumeDeadLetters, type DeadLetterDeps } from "./dead-letters.ts";
import { hubStub } from "./hub.ts";
import type { OutboxReport, WebhookOrigin } from "./reports.ts";
import { forgetTargets, targetsOf } from "./target-cache.ts";
import { countOutcome, webhookCounts } from "./usage-counts.ts";

export const isDeadLetterQueue = (name: string) => name.endsWith("-dlq");

/** The object that handed events over, by its name in the ROOMS namespace (a room or one of its shards). */
const origin = (env: Env, name: string): Pick<WebhookOrigin, "webhookReport"> => roomStubByName(env, name);

function depsFor(env: Env, config: Config): ConsumerDeps & DeadLetterDeps {
  const settings = config.webhooks;
  return {
    settings,
    fetch: (input, init) => fetch(input, init),
    now: Date.now,
    random: Math.random,
    timeoutMs: settings.timeoutMs,
    allowLoopbackHttp: config.devAllowLoopbackHttp,
    targets: (tenant) => targetsOf(env, tenant, settings.secretKey, Date.now()),
    forgetTargets,
    requeue: async (message: WebhookMessage, delaySeconds: number) => {
      await env.WEBHOOK_QUEUE.send(message, { delaySeconds });
    },
    deadLetter: async (message: WebhookMessage) => {
      await env.WEBHOOK_DLQ.send(message);
    },
    recordHealth: (tenant, outcomes) => hubStub(env, tenant).recordHealth(outcomes, settings.disableAfterMs),
    forgetDeadLetter: (tenant, endpoint, id) => hubStub(env, tenant).forgetDeadLetter(endpoint, id),
    storeDeadLetters: (tenant, letters) => hubStub(env, tenant).storeDeadLetters(letters),
    report: (name: string, report: OutboxReport) => origin(env, name).webhookReport(report),
    count: countOutcome(Date.now),
  };
}

/**
 * The ExportedHandler queue signature; the consumer waits for all its work itself, so `ctx` goes
 * unused. The batch's usage counts are flushed before it ends: one report per tenant per batch.
 */
export async function handleQueue(batch: MessageBatch<unknown>, env: Env, _ctx: ExecutionContext): Promise<void> {
  const config = configFor(env);
  const deps = depsFor(env, config);
  if (isDeadLetterQueue(batch.queue)) await consumeDeadLetters(batch, deps);
  else await consumeEvents(batch, deps);
  await webhookCounts.flush(sendWorkerReport(env, config), Date.now());
}
