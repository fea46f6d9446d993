// The room's hand-off of recorded events to the queue: a quiet room's event goes right after its
// step; under a storm the events recorded within a window of the last hand-off share the next one,
// in order; and if that window's wait is lost with the object, the alarm is already armed for them.
// Run on a scratch room's storage, with a queue that records its sends and a window the test ends.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { QueuedEvent, WebhookMessage } from "../../src/protocol.ts";
import { AlarmClock } from "../../src/room/alarm.ts";
import { HANDOFF_WINDOW_MS, Handoff } from "../../src/room/events/handoff.ts";
import { EventStore } from "../../src/room/events/store.ts";
import { HANDOFF_LEASE_MS } from "../../src/webhooks/outbox.ts";
import { freshRoom, roomStubOf } from "../support/gateway.ts";
import { queuedEvent } from "./webhook-helpers.ts";

const TENANT = "handoffs";

/** A Handoff over a scratch room's storage; `sends` holds the event ids of each sendBatch. */
function harness(state: DurableObjectState) {
  const sends: string[][] = [];
  const queue = {
    sendBatch: async (batch: MessageSendRequest<WebhookMessage>[]) => {
      sends.push(batch.flatMap((m) => m.body.events.map((e) => e.id)));
    },
  } as unknown as Queue;
  const waits: number[] = [];
  let endWindow = () => {};
  const after = (ms: number) => {
    waits.push(ms);
    return new Promise<void>((resolve) => {
      endWindow = resolve;
    });
  };
  const work: Promise<unknown>[] = [];
  const clock = new AlarmClock(state.storage);
  const handoff = new Handoff(
    new EventStore(state.storage),
    queue,
    clock,
    (p) => work.push(p),
    HANDOFF_LEASE_MS,
    after,
  );
  const origin = { tenant: TENANT, origin: "scratch" };
  const room = freshRoom();
  return {
    sends,
    waits,
    clock,
    endWindow: () => endWindow(),
    settled: () => Promise.all(work),
    record: (e: QueuedEvent, now: number) => handoff.record(origin, [e], now),
    event: () => queuedEvent(TENANT, "presence.joined", room),
  };
}

const ids = (events: QueuedEvent[]) => events.map((e) => e.id);

describe("handing recorded events to the queue", () => {
  it("sends a quiet room's event after its step, and a storm's next events together once the window ends", async () => {
    await runInDurableObject(roomStubOf(freshRoom(), TENANT), async (_, state) => {
      const h = harness(state);
      const t0 = Date.now();
      const first = h.event();
      h.record(first, t0);
      await h.settled();
      expect(h.sends).toEqual([[first.id]]);

      const storm = [h.event(), h.event(), h.event()];
      for (const [i, e] of storm.entries()) {
        h.record(e, t0 + 1 + i);
        await Promise.resolve();
      }
      expect(h.waits).toEqual([HANDOFF_WINDOW_MS - 1]);
      expect(h.sends).toEqual([[first.id]]);
      h.endWindow();
      await h.settled();
      expect(h.sends).toEqual([[first.id], ids(storm)]);

      // A window after the last hand-off started, the room is quiet again: no wait.
      const later = h.event();
      h.record(later, t0 + 2 * HANDOFF_WINDOW_MS);
      await h.settled();
      expect(h.waits).toHaveLength(1);
      expect(h.sends).toEqual([[first.id], ids(storm), [later.id]]);
    });
  });

  it("arms the alarm for events waiting out a window, so they are handed over should the wait be lost", async () => {
    await runInDurableObject(roomStubOf(freshRoom(), TENANT), async (_, state) => {
      const h = harness(state);
      const t0 = Date.now();
      h.record(h.event(), t0);
      await h.settled();
      // Say the alarm ran meanwhile and armed nothing; then an event comes within the window.
      await state.storage.deleteAlarm();
      h.clock.fired();
      h.record(h.event(), t0 + 1);
      expect(await state.storage.getAlarm()).toBe(t0 + 1 + HANDOFF_LEASE_MS);
    });
  });
});
