// Reconnect delays: exponential backoff with full jitter ("Exponential Backoff And Jitter", AWS
// Architecture Blog). Spreading every client uniformly over [0, ceiling) is what keeps a deploy,
// which drops every socket at once, from turning into synchronized reconnect waves.

export type BackoffOptions = {
  /** Ceiling of the first retry's delay. */
  baseMs: number;
  /** No delay's ceiling grows past this. */
  maxMs: number;
};

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 30_000 };

/** Uniform in [0, min(maxMs, baseMs * 2^attempt)); `random` returns values in [0, 1). */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt));
  const r = Math.min(Math.max(random(), 0), 1);
  // A `random` that returns exactly 1 must still stay below the ceiling.
  return Math.min(Math.floor(r * ceiling), Math.max(0, ceiling - 1));
}

/** The wait before the next attempt: the jittered delay, but never shorter than a server's Retry-After. */
export function retryDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number,
  retryAfterMs?: number,
): number {
  return Math.max(backoffDelay(attempt, options, random), retryAfterMs ?? 0);
}

/**
 * The attempt number for the next retry. A connection that stayed up for `stableAfterMs` starts
 * over at 0; one that dropped sooner keeps climbing, so a gateway that accepts and then drops at
 * once cannot pull a client into a tight loop.
 */
export function nextAttempt(attempt: number, uptimeMs: number | undefined, stableAfterMs: number): number {
  return uptimeMs !== undefined && uptimeMs >= stableAfterMs ? 0 : attempt;
}
