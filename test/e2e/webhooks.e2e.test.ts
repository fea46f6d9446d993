// Webhooks end to end: `wrangler dev` with its local queue, and a real receiver on loopback that
// verifies every POST with the standardwebhooks library and counts duplicates by event id. A
// socket joins, publishes and leaves: the receiver hears occupied, joined, published, left and
// vacated once each, in that order. Then the receiver is down while a socket comes and goes: the
// events arrive after it returns, by the consumer's retries, with no duplicate.
import { randomBytes } from "node:crypto";
import { appendFile } from "node:fs/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { sleep, waitFor } from "../support/wait.ts";
import { Clients, freshRoom } from "./support/client.ts";
import { type CreatedApiKey, createApiKey, type Operator, provisionSecrets } from "./support/operator.ts";
import { type ReceivedEvent, WebhookReceiver } from "./support/webhook-receiver.ts";
import { WranglerDev } from "./support/wrangler-dev.ts";

// Short retries, so the fault run takes seconds: the first retry after about 1 s, none later than 2 s.
const VARS = { DEV_ALLOW_LOOPBACK_HTTP: "true", WEBHOOK_RETRY_BASE_SECONDS: "1", WEBHOOK_RETRY_MAX_DELAY_SECONDS: "2" };
const EVERY = ["room.occupied", "room.vacated", "presence.joined", "presence.left", "message.published"];

let dev: WranglerDev | undefined;
let op: Operator | undefined;
let admin: CreatedApiKey | undefined;
let endpointId = "";
const receiver = new WebhookReceiver();
const clients = new Clients();

beforeAll(async () => {
  dev = await WranglerDev.create({ vars: VARS });
  op = await provisionSecrets(dev);
  admin = await createApiKey(dev.envFile, "acme", "admin");
  await appendFile(dev.envFile, `WEBHOOK_SECRET_KEY='${randomBytes(32).toString("base64")}'\n`);
  await Promise.all([dev.start(), receiver.start()]);
  const res = await fetch(`${dev.baseUrl}/v1/admin/webhooks`, {
    method: "POST",
    headers: { "x-api-key": admin.key, "content-type": "application/json" },
    body: JSON.stringify({ url: receiver.url, events: EVERY }),
  });
  const created = (await res.json()) as { id?: string; secret?: string };
  if (res.status !== 201 || created.secret === undefined || created.id === undefined)
    throw new Error(`registering the endpoint failed: ${res.status} ${JSON.stringify(created)}`);
  receiver.useSecret(created.secret);
  endpointId = created.id;
});

afterEach(() => clients.closeAll());

afterAll(async () => {
  await receiver.stop();
  await dev?.dispose();
});

function gateway() {
  if (dev === undefined || op === undefined) throw new Error("the gateway did not start");
  return { dev, op };
}

/** The endpoint as the admin API shows it. */
async function endpoint(): Promise<{ failingSince?: number; lastError?: string }> {
  const res = await fetch(`${gateway().dev.baseUrl}/v1/admin/webhooks/${endpointId}`, {
    headers: { "x-api-key": admin?.key ?? "" },
  });
  return (await res.json()) as { failingSince?: number };
}

const eventsOf = (room: string): ReceivedEvent[] => receiver.events.filter((e) => e.room === room);
const summary = (events: ReceivedEvent[]) => events.map((e) => `${e.type} ${String(e.data.user ?? "")}`.trim());

/** A socket of `sub` in `room` (scope subscribe publish). */
async function member(room: string, sub: string) {
  const { dev, op } = gateway();
  const token = await op.token({ tenant: "acme", sub, scope: "subscribe publish" });
  const url = `${dev.baseUrl.replace("http", "ws")}/v1/rooms/${room}/ws`;
  return clients.connect(url, { headers: { authorization: `Bearer ${token}` } });
}

describe("webhooks from a room", () => {
  it("deliver occupied, joined, published, left and vacated once each, signed, in order", async () => {
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
    const room = freshRoom();
    const before = receiver.deliveries;
    await receiver.stop();
    const bob = await member(room, "bob");
    await bob.socket.close();
    // The consumer tried while the receiver was down: the endpoint's health says it is failing.
    await waitFor("a failed delivery", async () => (await endpoint()).failingSince !== undefined, 20_000);
    expect(eventsOf(room)).toEqual([]);
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
    expect(receiver.deliveries).toBeGreaterThan(before);
    await waitFor("the endpoint's recovery", async () => (await endpoint()).failingSince === undefined, 10_000);
    // A late second copy would come from a retry still queued: give it the longest retry delay.
    await sleep(2_500);
    expect({ events: eventsOf(room).length, duplicates: receiver.duplicates }).toEqual({ events: 4, duplicates: 0 });
  });
});
