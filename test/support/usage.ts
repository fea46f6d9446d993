// Reading a tenant's usage back inside workerd: its totals over the last hour and its rooms list,
// after the rooms' objects were made to flush (their alarm, run now).
import { runDurableObjectAlarm } from "cloudflare:test";
import { expect } from "vitest";
import type { RoomsAnswer, UsageAnswer } from "../../src/usage/answers.ts";
import { request } from "./gateway.ts";
import { apiKey } from "./tokens.ts";

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
export const messageFrames = (texts: readonly string[]) =>
  texts.filter((t) => (JSON.parse(t) as { type: string }).type === "message");

/** The sockets a 202 publish (single or batch) says it reached. */
export async function delivered(res: Response): Promise<number> {
  expect(res.status, await res.clone().text()).toBe(202);
  const body = (await res.json()) as { delivered?: number; messages?: { delivered: number }[] };
  return body.delivered ?? (body.messages ?? []).reduce((n, m) => n + m.delivered, 0);
}
