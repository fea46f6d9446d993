// Progress while the bench runs: a short stderr line when a step of a target starts and one when it
// ends, with its key figure, so a long run shows where it is. stdout stays for the results table.

const say = (target: string, step: string, what: string) => console.error(`[bench] ${target} ${step}: ${what}`);
const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

/** Runs one step of `target`, announcing it, then its figure (or its failure) and how long it took. */
export async function step<T>(
  target: string,
  name: string,
  run: () => Promise<T>,
  figure: (r: T) => string,
): Promise<T> {
  const started = performance.now();
  say(target, name, "started");
  let result: T;
  try {
    result = await run();
  } catch (err) {
    say(target, name, `failed after ${seconds(started)}`);
    throw err;
  }
  say(target, name, `done in ${seconds(started)}, ${figure(result)}`);
  return result;
}

/** A count for a progress line: `12,345`. */
export const count = (n: number) => Math.round(n).toLocaleString("en-US");
