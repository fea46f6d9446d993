// A fetch whose whole exchange (connect, headers and body) ends within a bound, whatever happens.
// A run here hung for 20 minutes in a publish phase with no request in flight in undici's pool and
// no timer left in the process: `AbortSignal.timeout`'s timer is unreferenced and holds its signal
// weakly, so a signal nothing else holds any more can be collected with its timer, and an await
// still pending on the exchange never returns. This bound is a plain referenced timer, raced
// against the whole exchange, body included.

export type Fetched = { status: number; ok: boolean; text: string };

export async function boundedFetch(url: string, init: RequestInit, timeoutMs: number): Promise<Fetched> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const err = new Error(`${init.method ?? "GET"} ${url}: no complete answer within ${timeoutMs} ms`);
      controller.abort(err);
      reject(err);
    }, timeoutMs);
  });
  const exchange = (async () => {
    const res = await fetch(url, { ...init, signal: controller.signal });
    return { status: res.status, ok: res.ok, text: await res.text() };
  })();
  try {
    return await Promise.race([exchange, expired]);
  } finally {
    clearTimeout(timer);
    // The loser of the race must not surface as an unhandled rejection.
    exchange.catch(() => undefined);
    expired.catch(() => undefined);
  }
}
