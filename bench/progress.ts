// Progress while the bench runs: a short stderr line when a step of a target starts and one when it
// ends, with its key figure, so a long run shows where it is. stdout stays for the results table.
import type { ConnectResult } from "./load.ts";
import type { PhaseResult } from "./phases.ts";

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

const round = (n: number) => Math.round(n).toLocaleString("en-US");

export function connectFigure(c: ConnectResult): string {
  const kb = (c.bytesPerSocket / 1024).toFixed(1);
  return `${round(c.sockets)} open, ${c.failures} failed, ${round(c.perSecond)}/s, ${kb} KB RSS per socket`;
}

export function phaseFigure(p: PhaseResult): string {
  const usPerDelivery = p.serverCpuSecondsPer1000Deliveries * 1000;
  const faults = [`${p.lost} lost`, ...(p.wrong > 0 ? [`${p.wrong} wrongly delivered`] : [])].join(", ");
  const batches = p.batchFrames > 0 ? `, ${p.messagesPerBatchFrame.toFixed(1)} messages per batch frame` : "";
  return (
    `${round(p.received)}/${round(p.expected)} delivered (${faults}), ${round(p.deliveriesPerSecond)}/s, ` +
    `p50 ${p.latencyMs.p50.toFixed(1)} ms, ${usPerDelivery.toFixed(1)} µs server CPU per delivery${batches}`
  );
}
