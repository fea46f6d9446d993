// When a failed delivery is tried again: exponential backoff with jitter, for at least the retry
// window after its first attempt; the last wait is cut so an attempt lands at the window's end,
// and a failure at or after it is final (dead-lettered). Pure: time and randomness come in.
import type { WebhookSettings } from "../config.ts";

export type NextStep = { kind: "retry"; delayMs: number } | { kind: "dead_letter" };

/**
 * `failures` counts the failed attempts so far (1 after the first). The wait doubles from
 * `retryBaseMs` up to `retryMaxDelayMs`, then is drawn from its upper half (jitter spreads a
 * crowd of retries to an endpoint that just came back).
 */
export function nextStep(
  failures: number,
  firstAttemptAt: number,
  now: number,
  s: Pick<WebhookSettings, "retryBaseMs" | "retryMaxDelayMs" | "retryWindowMs">,
  random: number,
): NextStep {
  const deadline = firstAttemptAt + s.retryWindowMs;
  if (now >= deadline) return { kind: "dead_letter" };
  const full = Math.min(s.retryBaseMs * 2 ** Math.min(failures - 1, 30), s.retryMaxDelayMs);
  const jittered = full / 2 + (full / 2) * random;
  // Queues count delays in whole seconds.
  const delayMs = Math.max(1_000, Math.ceil(Math.min(jittered, deadline - now) / 1_000) * 1_000);
  return { kind: "retry", delayMs };
}
