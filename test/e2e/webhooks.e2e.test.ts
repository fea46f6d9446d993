// Webhooks end to end: `wrangler dev` with its local queue, and a real receiver on loopback that
// verifies every POST with the standardwebhooks library and counts duplicates by event id. A
// socket joins, publishes and leaves: the receiver hears occupied, joined, published, left and
// vacated once each, in that order. Then the receiver is down while a socket comes and goes: the
// events arrive after it returns, by the consumer's retries. The sharded scale run and the other
// fault runs are in webhooks-faults.e2e.test.ts.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { sleep, waitFor } from "../support/wait.ts";
import { Clients, freshRoom } from "./support/client.ts";
import { printRun, startWebhookGateway, type WebhookGateway } from "./support/webhook-gateway.ts";
import type { ReceivedEvent } from "./support/webhook-receiver.ts";

// Short retries, so the fault run takes seconds: the first retry after about 1 s, none later than 2 s.
const RETRY = { base: 1, maxDelay: 2 };
const VARS = {
  WEBHOOK_RETRY_BASE_SECONDS: String(RETRY.base),
  WEBHOOK_RETRY_MAX_DELAY_SECONDS: String(RETRY.maxDelay),
};
/**
 * How long the receiver stays down. The "down for 30 s" is three retry delays at the
 * default 10 s base; with these settings the same three (1 s, then 2 s) fit in 3 s.
 */
const RECEIVER_DOWN_MS = 3_000;

let gw: WebhookGateway | undefined;
const clients = new Clients();

beforeAll(async () => {
  gw = await startWebhookGateway({ vars: VARS });
});

afterEach(() => clients.closeAll());

afterAll(async () => {
  await gw?.dispose();
});

function gateway(): WebhookGateway {
  if (gw === undefined) throw new Error("the gateway did not start");
  return gw;
}

const eventsOf = (room: string): ReceivedEvent[] => gateway().receiver.eventsOf(room);
const summary = (events: ReceivedEvent[]) => events.map((e) => `${e.type} ${String(e.data.user ?? "")}`.trim());

/** A socket of `sub` in `room` (scope subscribe publish). */
async function member(room: string, sub: string) {
  const { dev, op } = gateway();
  const token = await op.token({ tenant: "acme", sub, scope: "subscribe publish" });
  return clients.connect(dev.wsUrl(`/v1/rooms/${room}/ws`), { headers: { authorization: `Bearer ${token}` } });
}

describe("webhooks from a room", () => {
  it("deliver occupied, joined, published, left and vacated once each, signed, in order", async () => {
    const { receiver } = gateway();
    const room = freshRoom();
    const alice = await member(room, "alice");
    alice.socket.send({ type: "publish", event: "chat", payload: { text: "hi" }, ref: "p1" });
    const message = await alice.socket.nextOfType("message");
    await alice.socket.close();
    await receiver.waitFor(() => eventsOf(room).length >= 5, "five events");
    const events = eventsOf(room);
    expect(summary(events)).toEqual([
      "room.occupied",
      "presence.joined alice",
      "message.published alice",
      "presence.left alice",
      "room.vacated",
    ]);
    expect(events[2]?.data).toEqual({ user: "alice", connectionId: alice.connectionId, message });
    expect(events[1]?.data).toMatchObject({ user: "alice", connectionId: alice.connectionId });
    expect({ duplicates: receiver.duplicates, badSignatures: receiver.badSignatures }).toEqual({
      duplicates: 0,
      badSignatures: 0,
    });
  });

  it("deliver what happened while the receiver was down once it is back, with no duplicate", async () => {
    const { receiver, endpoint } = gateway();
    const room = freshRoom();
    const before = { deliveries: receiver.deliveries, duplicates: receiver.duplicates };
    await receiver.stop();
    const downAt = Date.now();
    const bob = await member(room, "bob");
    await bob.socket.close();
    // The consumer tried while the receiver was down: the endpoint's health says it is failing.
    await waitFor("a failed delivery", async () => (await endpoint()).failingSince !== undefined, 20_000);
    expect(eventsOf(room)).toEqual([]);
    await sleep(RECEIVER_DOWN_MS - (Date.now() - downAt));
    await receiver.start();
    await receiver.waitFor(() => eventsOf(room).length >= 4, "the four events after the receiver returned");
    // Retries may reorder them; the counters tell the receiver which came later.
    const events = eventsOf(room);
    expect(summary(events).sort()).toEqual([
      "presence.joined bob",
      "presence.left bob",
      "room.occupied",
      "room.vacated",
    ]);
    const counter = (type: string) => Number(events.find((e) => e.type === type)?.data.counter);
    expect(counter("room.occupied")).toBeLessThan(counter("room.vacated"));
    expect(counter("presence.joined")).toBeLessThan(counter("presence.left"));
    expect(receiver.deliveries).toBeGreaterThan(before.deliveries);
    await waitFor("the endpoint's recovery", async () => (await endpoint()).failingSince === undefined, 10_000);
    // A late second copy would come from a retry still queued: give it the longest retry delay.
    await sleep(RETRY.maxDelay * 1000 + 500);
    const duplicates = receiver.duplicates - before.duplicates;
    printRun(`receiver down ${RECEIVER_DOWN_MS / 1000} s`, {
      sockets: 1,
      events: 4,
      "duplicates delivered": duplicates,
    });
    expect({ events: eventsOf(room).length, duplicates }).toEqual({ events: 4, duplicates: 0 });
  });
});
