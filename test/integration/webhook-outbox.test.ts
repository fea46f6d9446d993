// The webhook outbox over an object's SQLite (rooms keep it; here a scratch object's storage):
// rows are handed over under a lease, kept until the consumer reports them settled, and handed
// over again when nobody reported.

import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { QueuedEvent } from "../../src/protocol.ts";
import { hubStub } from "../../src/webhooks/hub.ts";
import {
  applyReport,
  HANDOFF_LEASE_MS,
  nextDue,
  OUTBOX_SCHEMA,
  recordEvents,
  sendAll,
  takeDue,
} from "../../src/webhooks/outbox.ts";
import type { OutboxReport } from "../../src/webhooks/reports.ts";
import { seal } from "../../src/webhooks/secret-box.ts";
import { consume, EVENTS_QUEUE, queuedEvent, receiverPerTest, recordingEnv } from "./webhook-helpers.ts";

const TENANT = "hooksd";
const ORIGIN = "room-outbox";

let scratch = "";
beforeEach(() => {
  scratch = `outbox-${crypto.randomUUID()}`;
});

/** Runs `fn` on this test's scratch object's SQLite, with the outbox table. */
function onOutbox<T>(fn: (sql: SqlStorage) => T): Promise<T> {
  return runInDurableObject(hubStub(env, scratch), (_, state) => {
    state.storage.sql.exec(OUTBOX_SCHEMA);
    return fn(state.storage.sql);
  });
}

const ids = (events: readonly QueuedEvent[]) => events.map((e) => e.id);
const joined = () => queuedEvent(TENANT, "presence.joined", "lobby");

describe("the webhook outbox", () => {
  it("hands recorded events over once per lease, in order, at most 100 per message", async () => {
    const events = Array.from({ length: 150 }, joined);
    const now = 1_000_000;
    const first = await onOutbox((sql) => {
      recordEvents(sql, events, now);
      recordEvents(sql, events.slice(0, 3), now); // the same ids again: ignored
      return takeDue(sql, TENANT, ORIGIN, now);
    });
    expect(first.map((m) => m.events.length)).toEqual([100, 50]);
    expect(first.flatMap((m) => ids(m.events))).toEqual(ids(events));
    expect(first[0]).toMatchObject({ v: 1, tenant: TENANT, origin: ORIGIN, attempt: 0 });
    expect(await onOutbox((sql) => takeDue(sql, TENANT, ORIGIN, now + HANDOFF_LEASE_MS - 1))).toEqual([]);
    // Unreported: handed over again when the lease ends, then under a lease twice as long.
    const again = await onOutbox((sql) => takeDue(sql, TENANT, ORIGIN, now + HANDOFF_LEASE_MS));
    expect(again.flatMap((m) => ids(m.events))).toEqual(ids(events));
    expect(await onOutbox((sql) => nextDue(sql))).toBe(now + 3 * HANDOFF_LEASE_MS);
  });

  it("forgets settled events and holds retrying ones until the report says", async () => {
    const [a, b, c] = [joined(), joined(), joined()];
    const report: OutboxReport = { settled: [a.id], retrying: [b.id], retryUntil: 9_000_000 };
    const left = await onOutbox((sql) => {
      recordEvents(sql, [a, b, c], 0);
      takeDue(sql, TENANT, ORIGIN, 0);
      applyReport(sql, report);
      return takeDue(sql, TENANT, ORIGIN, 8_999_999).flatMap((m) => ids(m.events));
    });
    expect(left).toEqual([c.id]);
    expect(await onOutbox((sql) => takeDue(sql, TENANT, ORIGIN, 9_000_000).flatMap((m) => ids(m.events)))).toEqual([
      b.id,
    ]);
    await onOutbox((sql) => applyReport(sql, { settled: [b.id, c.id], retrying: [], retryUntil: 0 }));
    expect(await onOutbox((sql) => nextDue(sql))).toBeUndefined();
  });
});

describe("sending hand-offs", () => {
  it("uses as few sendBatch calls as the queue's limits (100 messages, 256 KB) allow", async () => {
    const calls: number[] = [];
    const queue = {
      sendBatch: async (batch: unknown[]) => {
        calls.push(batch.length);
      },
    } as unknown as Queue;
    const message = (size: number) => ({
      v: 1 as const,
      tenant: TENANT,
      events: [{ ...joined(), body: JSON.stringify({ pad: "x".repeat(size) }) }],
      attempt: 0,
    });
    await sendAll(
      queue,
      Array.from({ length: 150 }, () => message(10)),
    );
    expect(calls).toEqual([100, 50]);
    calls.length = 0;
    await sendAll(
      queue,
      Array.from({ length: 5 }, () => message(90_000)),
    );
    expect(calls).toEqual([2, 2, 1]);
  });
});

describe("the outbox and the consumer together", () => {
  const receiver = receiverPerTest(TENANT);

  it("empty the outbox once every endpoint took the events, and only then", async () => {
    const hub = hubStub(env, TENANT);
    for (const [id, host] of [
      ["we_aaaaaaaaaaaaaaaaaaaa", "a.hooks.test"],
      ["we_bbbbbbbbbbbbbbbbbbbb", "b.hooks.test"],
    ] as const) {
      const secret = await seal(env.WEBHOOK_SECRET_KEY ?? "", new Uint8Array(32), TENANT, id);
      await hub.create({ id, url: `https://${host}/in`, events: ["presence.joined"], secret });
    }
    receiver.answer("b.hooks.test", 500);
    const events = [joined(), joined()];
    const messages = await onOutbox((sql) => {
      recordEvents(sql, events, Date.now());
      return takeDue(sql, TENANT, ORIGIN, Date.now());
    });
    const recording = recordingEnv();
    await consume(EVENTS_QUEUE, messages, recording.env);
    for (const { origin, report } of recording.reports) {
      expect(origin).toBe(ORIGIN);
      await onOutbox((sql) => applyReport(sql, report));
    }
    // b failed: the events stay, not due before the retry's lease.
    expect(await onOutbox((sql) => nextDue(sql))).toBeGreaterThan(Date.now() + 60_000);

    receiver.answer("b.hooks.test", 200);
    const retried = recordingEnv();
    await consume(
      EVENTS_QUEUE,
      recording.queue.map((s) => s.body),
      retried.env,
    );
    for (const { report } of retried.reports) await onOutbox((sql) => applyReport(sql, report));
    expect(await onOutbox((sql) => nextDue(sql))).toBeUndefined();
    expect(receiver.eventIdsTo("a.hooks.test")).toEqual(ids(events));
    expect(receiver.eventIdsTo("b.hooks.test")).toEqual([...ids(events), ...ids(events)]);
  });
});
