// One gateway per test file: a fresh `wrangler dev` with secrets made by the operator scripts.
import { type Operator, provisionSecrets } from "./operator.ts";
import { WranglerDev } from "./wrangler-dev.ts";

export type Gateway = { dev: WranglerDev; op: Operator };

/**
 * Provisions secrets, starts wrangler dev and waits for /health; cleans up if any step fails.
 * `whileStarting` (e.g. minting tokens) runs alongside the start-up, which takes seconds.
 */
export async function startGateway(whileStarting?: (op: Operator) => Promise<void>): Promise<Gateway> {
  const dev = await WranglerDev.create();
  try {
    const op = await provisionSecrets(dev);
    const results = await Promise.allSettled([dev.start(), whileStarting?.(op)]);
    for (const r of results) if (r.status === "rejected") throw r.reason;
    return { dev, op };
  } catch (err) {
    await dev.dispose();
    throw err;
  }
}
