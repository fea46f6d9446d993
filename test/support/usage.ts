// Reading a tenant's usage back inside workerd: its totals over the last hour and its rooms list,
// after the rooms' objects were made to flush (their alarm, run now); and whether what objects
// counted is kept yet (reported, or written to their storage).
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { expect } from "vitest";
import { z } from "zod";
import { countDeltaSchema, usageReportSchema } from "../../src/protocol.ts";
import type { RoomsAnswer, UsageAnswer } from "../../src/usage/answers.ts";
import { PERSIST_DELAY_MS } from "../../src/usage/meter.ts";
import type { UsageTotals } from "../../src/usage/series.ts";
import { request } from "./gateway.ts";
import { apiKey } from "./tokens.ts";
import { waitFor } from "./wait.ts";

/** GET with the tenant's admin key, answered 200. */
async function adminGet<T>(path: string, keyId: string): Promise<T> {
  const res = await request(path, { headers: { authorization: `Bearer ${apiKey(keyId)}` } });
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json();
}

export const usageOf = (keyId: string) => adminGet<UsageAnswer>("/v1/admin/usage", keyId);
export const roomsOf = (keyId: string, query = "") => adminGet<RoomsAnswer>(`/v1/admin/rooms${query}`, keyId);

/** Runs each object's alarm, which flushes its usage counts (and fails the test if none was set). */
export async function flushObjects(stubs: readonly DurableObjectStub[]): Promise<void> {
  for (const stub of stubs) expect(await runDurableObjectAlarm(stub), "an alarm was set to flush usage").toBe(true);
}

/** Counts by counter, or `counter/label` where the counter has labels. */
export type Tally = Record<string, number>;

function addTo(tally: Tally, counter: string, label: string, value: number): void {
  const key = label === "" ? counter : `${counter}/${label}`;
  tally[key] = (tally[key] ?? 0) + value;
}

/** A tenant's totals as a tally (the peak left out: it is a gauge, not a count). */
function tallyOf(totals: UsageTotals): Tally {
  const tally: Tally = {};
  for (const [counter, value] of Object.entries(totals)) {
    if (counter === "peakConnections") continue;
    if (typeof value === "number") addTo(tally, counter, "", value);
    else for (const [label, n] of Object.entries(value)) addTo(tally, counter, label, n);
  }
  return tally;
}

/** What an object's meter holds in its storage, unconfirmed: its open counts and a flush in flight. */
const storedCounts = (stub: DurableObjectStub) =>
  runInDurableObject(stub, (_i, state) => {
    const sql = state.storage.sql;
    if (sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'usage_outbox'").toArray().length === 0) return [];
    const rows = sql
      .exec<{ slot: string; body: string }>("SELECT slot, body FROM usage_outbox WHERE slot IN ('open', 'sending')")
      .toArray();
    return rows.flatMap(({ slot, body }) =>
      slot === "open"
        ? z.array(countDeltaSchema).parse(JSON.parse(body))
        : usageReportSchema.parse(JSON.parse(body)).counts,
    );
  });

/**
 * Waits until the counts `stubs` made since `before` (the tenant's totals then) are all kept, in
 * the tenant's usage object or in the objects' storage, and add up to `expected`. An object writes
 * its counts within PERSIST_DELAY_MS and only then may it hibernate, so a test that evicts it after
 * this stands for a hibernation, not a crash.
 */
export async function countsKept(
  stubs: readonly DurableObjectStub[],
  keyId: string,
  before: UsageTotals,
  expected: Tally,
): Promise<void> {
  const already = tallyOf(before);
  let kept: Tally = {};
  const holds = () => Object.entries(expected).every(([k, n]) => (kept[k] ?? 0) - (already[k] ?? 0) === n);
  const read = async () => {
    // Storage first: a count flushed meanwhile is then seen twice (and read again), never missed.
    const stored = (await Promise.all(stubs.map(storedCounts))).flat();
    kept = tallyOf((await usageOf(keyId)).totals);
    for (const d of stored) addTo(kept, d.counter, d.label, d.value);
    return holds();
  };
  await waitFor(`the counts ${JSON.stringify(expected)} to be kept`, read, PERSIST_DELAY_MS + 3_000).catch(
    (err: unknown) => {
      throw new Error(`${String(err)}; kept: ${JSON.stringify(kept)}, before: ${JSON.stringify(already)}`);
    },
  );
}

/** UTF-8 bytes of the frames a client received. */
export const bytesOf = (frames: readonly string[]) =>
  frames.reduce((n, f) => n + new TextEncoder().encode(f).length, 0);

/** Every text frame a socket receives from now on. */
export function recorder(ws: WebSocket): string[] {
  const texts: string[] = [];
  ws.addEventListener("message", (e) => {
    if (typeof e.data === "string") texts.push(e.data);
  });
  return texts;
}

/** UTF-8 bytes of the `message` frames each of some clients received (what a room counts as delivered). */
export const messageBytes = (received: readonly (readonly string[])[]) =>
  bytesOf(received.flat().filter((t) => (JSON.parse(t) as { type: string }).type === "message"));

/** The sockets a 202 publish (single or batch) says it reached. */
export async function delivered(res: Response): Promise<number> {
  expect(res.status, await res.clone().text()).toBe(202);
  const body = (await res.json()) as { delivered?: number; messages?: { delivered: number }[] };
  return body.delivered ?? (body.messages ?? []).reduce((n, m) => n + m.delivered, 0);
}
