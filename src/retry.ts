// Calls that may fail for a moment (a busy object, a broken stub): tried again after fixed delays,
// with the outcome as a value, so the caller decides what a failure means.

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** `attempt`, then once more after each of `delaysMs`; the last error when every try failed. */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  delaysMs: readonly number[],
  sleep: (ms: number) => Promise<void>,
): Promise<Outcome<T>> {
  let error: unknown;
  for (let i = 0; i <= delaysMs.length; i++) {
    if (i > 0) await sleep(delaysMs[i - 1] ?? 0);
    try {
      return { ok: true, value: await attempt() };
    } catch (err) {
      error = err;
    }
  }
  return { ok: false, error };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
