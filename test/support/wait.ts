// Waiting in tests, for every runtime (Node and workerd): poll a condition with a deadline. Tests
// wait on events where they can (FrameQueue); these are for state that offers no event.

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `done` every `everyMs` until it holds; throws naming `what` once `timeoutMs` has passed.
 * Resolves with the milliseconds it waited.
 */
export async function waitFor(
  what: string,
  done: () => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs = 50,
): Promise<number> {
  const started = performance.now();
  while (!(await done())) {
    if (performance.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
  return performance.now() - started;
}
