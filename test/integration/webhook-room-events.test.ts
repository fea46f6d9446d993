// A room's webhook events, as its outbox records them: occupied/vacated once per change of the whole
// room, joined/left per user (not per socket), a client's publish with the frame subscribers got,
// each with a counter that grows; and nothing at all where no endpoint wants an event.
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { HANDOFF_LEASE_MS } from "../../src/webhooks/outbox.ts";
import { freshRoom, join, nextMessage, publishHttp, roomStubOf, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { signToken } from "../support/tokens.ts";
import { eventually, outboxOf, type RecordedEvent, subscribeToEverything } from "./webhook-helpers.ts";

const TENANT = "acme";
const HOOKED = "hooked-";

// Only rooms named hooked-*: every other room of the tenant is wanted by nobody.
beforeAll(async () => {
  await warmUp();
  await subscribeToEverything(TENANT, "we_roomeventsroomevents", [`${HOOKED}*`]);
}, WARM_UP_MS);

/** The events still in the room object's outbox, in the order they were recorded. */
const outbox = (room: string) => outboxOf(roomStubOf(room, TENANT));

/** The room's events once there are `count`. */
async function recorded(room: string, count: number): Promise<RecordedEvent[]> {
  await eventually(async () => (await outbox(room)).length === count, `${count} events`);
  return outbox(room);
}

/** A lone socket's arrival and departure. */
const ARRIVED = ["room.occupied", "presence.joined"];
const LEFT = ["presence.left", "room.vacated"];

const typesOf = (events: RecordedEvent[]) => events.map((e) => e.type);

describe("a room's webhook events", () => {
  it("records occupied, joined, published, left and vacated once each, counters growing", async () => {
    const room = `${HOOKED}${freshRoom()}`;
    const alice = await join(room, "alice");
    alice.socket.send({ type: "publish", event: "chat", payload: { text: "hi" }, ref: "r1" });
    const message = await nextMessage(alice.socket);
    alice.socket.close();
    const events = await recorded(room, 5);
    expect(typesOf(events)).toEqual([...ARRIVED, "message.published", ...LEFT]);
    for (const e of events) expect(e).toMatchObject({ tenant: TENANT, room, id: expect.stringMatching(/^evt_/) });
    expect(new Set(events.map((e) => e.id)).size).toBe(5);
    expect(events[1]?.data).toMatchObject({ user: "alice", connectionId: alice.connectionId });
    expect(events[2]?.data).toEqual({ user: "alice", connectionId: alice.connectionId, message });
    const counters = events.filter((e) => e.type !== "message.published").map((e) => Number(e.data.counter));
    expect(counters).toEqual([...counters].sort((a, b) => a - b));
    expect(new Set(counters).size).toBe(counters.length);
  });

  it("records a user's first and last connection only, and the room's first and last socket", async () => {
    const room = `${HOOKED}${freshRoom()}`;
    const first = await join(room, "bob");
    const second = await join(room, "bob");
    const carol = await join(room, "carol");
    first.socket.close();
    await first.socket.waitClosed();
    carol.socket.close();
    await carol.socket.waitClosed();
    second.socket.close();
    const events = await recorded(room, 6);
    expect(events.map((e) => `${e.type} ${String(e.data.user ?? "")}`.trim())).toEqual([
      "room.occupied",
      "presence.joined bob",
      "presence.joined carol",
      "presence.left carol",
      "presence.left bob",
      "room.vacated",
    ]);
  });

  it("does not debounce a quick reconnect: left then joined again, each with a larger counter", async () => {
    const room = `${HOOKED}${freshRoom()}`;
    const before = await join(room, "jo");
    before.socket.close();
    await before.socket.waitClosed();
    const after = await join(room, "jo");
    const events = await recorded(room, 6);
    expect(typesOf(events)).toEqual([...ARRIVED, ...LEFT, ...ARRIVED]);
    const counters = events.map((e) => Number(e.data.counter));
    expect(counters).toEqual([...counters].sort((a, b) => a - b));
    expect(new Set(counters).size).toBe(6);
    after.socket.close();
  });

  it("records nothing for HTTP publishes, nor in a room no endpoint wants", async () => {
    const hooked = `${HOOKED}${freshRoom()}`;
    const dave = await join(hooked, "dave");
    await publishHttp(hooked, await signToken({ sub: "backend", scope: "publish" }), { event: "news", payload: 1 });
    await nextMessage(dave.socket);
    expect(typesOf(await outbox(hooked))).toEqual(ARRIVED);

    const plain = freshRoom();
    const erin = await join(plain, "erin");
    erin.socket.send({ type: "publish", event: "chat", payload: 1 });
    await nextMessage(erin.socket);
    erin.socket.close();
    await erin.socket.waitClosed();
    expect(await outbox(plain)).toEqual([]);
  });
});

describe("a room's outbox", () => {
  const rows = (room: string) =>
    runInDurableObject(roomStubOf(room, TENANT), (_, state) => {
      const sql = state.storage.sql;
      if (sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'webhook_outbox'").toArray().length === 0) return [];
      return sql
        .exec<{ id: string; handoffs: number; due_at: number }>("SELECT id, handoffs, due_at FROM webhook_outbox")
        .toArray();
    });

  it("hands unreported events over again from the room's alarm", async () => {
    const room = `${HOOKED}${freshRoom()}`;
    const frank = await join(room, "frank");
    // The consumer ran once (its delivery failed) and said when it retries: the rows wait for that.
    await eventually(async () => {
      const held = await rows(room);
      return held.length === 2 && held.every((r) => r.handoffs === 1 && r.due_at > Date.now() + HANDOFF_LEASE_MS);
    }, "the consumer's first report");
    // Then the retry's message was lost (or its consumer never ran): the lease runs out with no further report.
    await runInDurableObject(roomStubOf(room, TENANT), (_, state) =>
      state.storage.sql.exec("UPDATE webhook_outbox SET due_at = 0"),
    );
    expect(await runDurableObjectAlarm(roomStubOf(room, TENANT))).toBe(true);
    expect((await rows(room)).map((r) => r.handoffs)).toEqual([2, 2]);
    frank.socket.close();
  });

  it("forgets settled events, and an empty room then deletes its storage", async () => {
    const room = `${HOOKED}${freshRoom()}`;
    const gina = await join(room, "gina");
    gina.socket.close();
    await eventually(async () => (await outbox(room)).length === 4, "four events");
    const ids = (await outbox(room)).map((e) => e.id);
    await roomStubOf(room, TENANT).webhookReport({
      settled: ids.slice(0, 3),
      retrying: ids.slice(3),
      retryUntil: Date.now() + 60_000,
    });
    expect((await outbox(room)).map((e) => e.id)).toEqual(ids.slice(3));
    await roomStubOf(room, TENANT).webhookReport({ settled: ids.slice(3), retrying: [], retryUntil: 0 });
    expect(await outbox(room)).toEqual([]);
    const left = () =>
      runInDurableObject(roomStubOf(room, TENANT), (_, state) => ({
        tables: state.storage.sql.exec("SELECT name FROM sqlite_master WHERE name LIKE 'webhook_%'").toArray(),
        keys: [...state.storage.kv.list({ prefix: "webhook:" })],
      }));
    // The settling report arms the alarm at once, and the runtime may be running it already (its
    // usage flush on the way): the storage goes when that run ends, or at the next one run here.
    await eventually(async () => {
      await runDurableObjectAlarm(roomStubOf(room, TENANT));
      const { tables, keys } = await left();
      return tables.length === 0 && keys.length === 0;
    }, "the room's storage deleted");
    expect(await left()).toEqual({ tables: [], keys: [] });
  });

  it("leaves tables a newer gateway version wrote as they are, and records nothing there", async () => {
    const room = `${HOOKED}${freshRoom()}`;
    const first = await join(room, "hank");
    await eventually(async () => (await outbox(room)).length === 2, "the first two events");
    // A rollback: the tables were last written by a version with a newer format.
    await runInDurableObject(roomStubOf(room, TENANT), (_, state) => state.storage.kv.put("webhook:format", 2));
    await evictDurableObject(roomStubOf(room, TENANT), { webSockets: "hibernate" });
    const second = await join(room, "ivy");
    second.socket.close();
    await second.socket.waitClosed();
    first.socket.close();
    await first.socket.waitClosed();
    expect(typesOf(await outbox(room))).toEqual(ARRIVED);
  });
});
