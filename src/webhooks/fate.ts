// What happens to one queue message after a delivery round: which endpoints are retried (a new
// message, delayed), which are given up (a dead-letter message), and who carries the outbox's
// events on: the retry if there is one, else the dead letter, else nobody (settled now). Pure.
import type { WebhookSettings } from "../config.ts";
import type { WebhookMessage } from "../protocol.ts";
import { nextStep } from "./backoff.ts";

export type Fate = {
  retry?: { message: WebhookMessage; delayMs: number };
  deadLetter?: WebhookMessage;
};

const pick = (errors: Record<string, string>, ids: readonly string[]) =>
  Object.fromEntries(ids.map((id) => [id, errors[id] ?? "unknown"]));

/**
 * `failed`: endpoints whose POST failed this round, with the error; `disabled`: endpoints named by
 * the message that have been switched off (no point retrying them).
 */
export function fateOf(
  m: WebhookMessage,
  failed: ReadonlyMap<string, string>,
  disabled: readonly string[],
  now: number,
  settings: WebhookSettings,
  random: number,
): Fate {
  const firstAttemptAt = m.firstAttemptAt ?? now;
  const attempt = m.attempt + 1;
  const errors: Record<string, string> = { ...Object.fromEntries(failed) };
  for (const id of disabled) errors[id] = "endpoint is disabled";
  const retryable = [...failed.keys()];
  const step = retryable.length > 0 ? nextStep(attempt, firstAttemptAt, now, settings, random) : undefined;
  const retryIds = step?.kind === "retry" ? retryable : [];
  const deadIds = step?.kind === "dead_letter" ? [...disabled, ...retryable] : [...disabled];
  const base = { ...m, attempt, firstAttemptAt };
  const fate: Fate = {};
  if (step?.kind === "retry")
    fate.retry = { message: { ...base, endpoints: retryIds, errors: pick(errors, retryIds) }, delayMs: step.delayMs };
  if (deadIds.length > 0) {
    const { origin, ...rest } = base;
    // The outbox hears about its events once: from the retry's last round when there is a retry.
    const carried = fate.retry === undefined && origin !== undefined ? { origin } : {};
    fate.deadLetter = { ...rest, ...carried, endpoints: deadIds, errors: pick(errors, deadIds) };
  }
  return fate;
}
