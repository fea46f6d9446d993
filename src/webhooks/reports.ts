// Report-back to outboxes: after a queue batch, each origin object hears once which of the events
// it handed over are settled (delivered everywhere, or dead-lettered and stored) and which are
// still being retried, and until when it must not hand those over again. Pure.
import type { WebhookMessage } from "../protocol.ts";

/**
 * What the consumer tells an outbox about events it handed over (by event id): `settled` ones
 * were delivered to every endpoint or dead-lettered and can be deleted; `retrying` ones are still
 * in the consumer's hands, so the outbox must not hand them over again before `retryUntil`.
 */
export type OutboxReport = { settled: string[]; retrying: string[]; retryUntil: number };

/** The RPC an object with a webhook outbox exposes to the consumer. */
export interface WebhookOrigin {
  webhookReport(report: OutboxReport): Promise<void>;
}

/** What became of one message this batch: settled, or still retrying until `retryUntil`. */
export type MessageFate = { message: WebhookMessage; retryUntil?: number };

export function reportsByOrigin(fates: readonly MessageFate[]): Map<string, OutboxReport> {
  const reports = new Map<string, OutboxReport>();
  for (const { message, retryUntil } of fates) {
    if (message.origin === undefined) continue;
    let r = reports.get(message.origin);
    if (r === undefined) {
      r = { settled: [], retrying: [], retryUntil: 0 };
      reports.set(message.origin, r);
    }
    const ids = message.events.map((e) => e.id);
    if (retryUntil === undefined) r.settled.push(...ids);
    else {
      r.retrying.push(...ids);
      r.retryUntil = Math.max(r.retryUntil, retryUntil);
    }
  }
  return reports;
}

/** Sends every report; a failed one is logged by `onError` and costs only a later re-hand (duplicates). */
export async function sendReports(
  reports: Map<string, OutboxReport>,
  send: (origin: string, report: OutboxReport) => Promise<void>,
  onError: (origin: string, err: unknown) => void,
): Promise<void> {
  await Promise.all(
    [...reports].map(async ([origin, report]) => {
      try {
        await send(origin, report);
      } catch (err) {
        onError(origin, err);
      }
    }),
  );
}
