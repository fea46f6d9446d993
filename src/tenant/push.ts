// Delivering one revocation to the rooms that hold sockets: each push is retried on a fresh stub
// (a stub that saw a network error stays broken), and a room that never answers is reported so the
// caller can wait out its lease.

export type PushResult = { closed: number; open: number };

export type PushOutcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Waits before the second and third attempts; a busy object usually answers the retry. */
export const PUSH_RETRY_DELAYS_MS = [50, 250] as const;

export async function withRetries<T>(
  attempt: () => Promise<T>,
  delaysMs: readonly number[],
  sleep: (ms: number) => Promise<void>,
): Promise<PushOutcome<T>> {
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
