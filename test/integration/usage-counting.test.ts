// Usage counted by a room where events happen: a known workload (sockets, HTTP, batch and socket
// publishes, a refused frame, a history read, a departure) read back exactly from
// GET /v1/admin/usage after the room's alarm flushed it, with the room evicted in between; and a
// storm's counts written to the room's storage by one timer, not in each turn that counted.
import { evictDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { PERSIST_DELAY_MS } from "../../src/usage/meter.ts";
import {
  connect,
  freshRoom,
  join,
  nextMessage,
  postJson,
  publishHttp,
  request,
  roomStubOf,
  WARM_UP_MS,
  warmUp,
} from "../support/gateway.ts";
import { type SqlWrite, tablesOf, writesDuring } from "../support/storage.ts";
import { apiKey, signToken } from "../support/tokens.ts";
import { bytesOf, delivered, flushObjects, messageFrames, recorder, roomsOf, usageOf } from "../support/usage.ts";
import { waitFor } from "../support/wait.ts";

beforeAll(warmUp, WARM_UP_MS);

const TENANT = "metered";
const ADMIN = "meteredadmin";
const roomStub = (room: string) => roomStubOf(room, TENANT);
/** Sockets that connect at once, as a storm's do (the bench's connect concurrency). */
const BURST = 16;
/** The slot a write to the usage outbox fills, named in the statement or bound first. */
const slotOf = (w: SqlWrite) => /VALUES \('(\w+)'/.exec(w.query)?.[1] ?? String(w.bindings[0]);

describe("usage counted by a room", () => {
  it("counts a known workload exactly, through an eviction, once the room's alarm flushed it", async () => {
    const room = freshRoom();
    const members = [
      await join(room, "ann", { tenant: TENANT }),
      await join(room, "ann", { tenant: TENANT }),
      await join(room, "bob", { tenant: TENANT }),
    ];
    const received = members.map((m) => recorder(m.socket.ws));
    const key = apiKey(ADMIN);

    let deliveries = 0;
    for (const payload of [1, 2]) deliveries += await delivered(await publishHttp(room, key, { event: "e", payload }));
    const batch = { messages: [3, 4, 5].map((payload) => ({ event: "e", payload })) };
    deliveries += await delivered(await postJson(`/v1/rooms/${room}/messages/batch`, key, batch));
    const bob = members[2]?.socket;
    if (bob === undefined) throw new Error("no third member");
    for (const ref of ["w1", "w2"]) {
      bob.send({ type: "publish", event: "e", payload: ref, ref });
      deliveries += Number((await bob.next((f) => f.type === "ack" && f.ref === ref)).delivered);
    }
    bob.send({ type: "publish" });
    expect((await bob.nextOfType("error")).code).toBe("invalid_message");
    for (const m of members) for (let i = 0; i < 7; i++) await nextMessage(m.socket);

    // Counted, not yet flushed: an eviction now must lose none of it. (Some counts wait for the
    // room's write timer; an object with a timer pending does not hibernate, and this waits for it.)
    await evictDurableObject(roomStub(room), { webSockets: "hibernate" });
    const history = await request(`/v1/rooms/${room}/messages?since=0`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(history.status).toBe(200);
    members[0]?.socket.close();
    await waitFor(
      "the room to see the first socket go",
      async () => {
        const res = await request(`/v1/rooms/${room}/presence`, { headers: { authorization: `Bearer ${key}` } });
        return ((await res.json()) as { connections: number }).connections === 2;
      },
      2_000,
    );
    await evictDurableObject(roomStub(room), { webSockets: "hibernate" });

    await flushObjects([roomStub(room)]);
    const usage = await usageOf(ADMIN);
    expect(usage.totals).toEqual({
      connects: 3,
      disconnects: { "1000": 1 },
      messages: { http: 2, batch: 3, ws: 2 },
      deliveries,
      bytesDelivered: bytesOf(received.flatMap(messageFrames)),
      historyReads: 1,
      refusals: { invalid_message: 1 },
      webhooks: { delivered: 0, failed: 0, retried: 0, deadLettered: 0 },
      peakConnections: 3,
    });
    expect(deliveries).toBe(21);
    expect(usage.live).toEqual({ connections: 2, rooms: 1 });
    expect((await roomsOf(ADMIN)).rooms).toEqual([{ room, connections: 2, users: 2, shards: 1 }]);
  });

  it("flushes an emptied room's counts before the room deletes its storage", async () => {
    const before = (await usageOf(ADMIN)).totals;
    const room = freshRoom();
    const members = [await join(room, "cleo", { tenant: TENANT }), await join(room, "dan", { tenant: TENANT })];
    for (const m of members) {
      m.socket.close();
      await m.socket.waitClosed();
    }
    // The last departure asks for the clean-up alarm at once (it runs by itself): it must flush
    // before it deletes the room's storage.
    await waitFor("the room to delete its storage", async () => (await tablesOf(roomStub(room))).length === 0, 3_000);
    const after = await usageOf(ADMIN);
    expect(after.totals.connects - before.connects).toBe(2);
    expect((after.totals.disconnects["1000"] ?? 0) - (before.disconnects["1000"] ?? 0)).toBe(2);
    expect((await roomsOf(ADMIN, `?prefix=${room}`)).rooms).toEqual([]);
  });

  it("writes a burst of connects' counts to the room's storage when its timer runs, not in each turn that counted", async () => {
    const before = (await usageOf(ADMIN)).totals;
    const room = freshRoom();
    const started = Date.now();
    let elapsed = 0;
    const writes = await writesDuring("usage_outbox", roomStub(room), async () => {
      await Promise.all(Array.from({ length: BURST }, (_, i) => join(room, `burst-${i}`, { tenant: TENANT })));
      // Hibernating waits for the room's pending write (an object with a timer set does not hibernate).
      await evictDurableObject(roomStub(room), { webSockets: "hibernate" });
      elapsed = Date.now() - started;
    });
    const slots = writes.map(slotOf);
    const flushes = slots.filter((s) => s === "sending").length;
    // A write runs PERSIST_DELAY_MS after the first count it covers, or when a flush seals them.
    const allowed = Math.floor(elapsed / PERSIST_DELAY_MS) + flushes;
    const summary = `${JSON.stringify(slots)} in ${elapsed} ms`;
    expect(slots.filter((s) => s === "open").length, summary).toBeGreaterThanOrEqual(1);
    expect(slots.filter((s) => s === "open").length, summary).toBeLessThanOrEqual(allowed);
    expect(slots.filter((s) => s === "peak").length, summary).toBeLessThanOrEqual(allowed);
    await flushObjects([roomStub(room)]);
    expect((await usageOf(ADMIN)).totals.connects - before.connects).toBe(BURST);
  });

  it("counts a batch frame of n messages as n deliveries, and its own bytes", async () => {
    const before = (await usageOf(ADMIN)).totals;
    const room = freshRoom();
    const token = await signToken({ sub: "eve", tenant: TENANT, scope: "subscribe" });
    const { socket } = await connect(room, token, "?batch=1");
    const received = recorder(socket.ws);
    const batch = { messages: [1, 2, 3].map((payload) => ({ event: "e", payload })) };
    expect(await delivered(await postJson(`/v1/rooms/${room}/messages/batch`, apiKey(ADMIN), batch))).toBe(3);
    expect((await socket.nextOfType("batch")).messages).toHaveLength(3);
    await flushObjects([roomStub(room)]);
    const after = (await usageOf(ADMIN)).totals;
    expect(after.deliveries - before.deliveries).toBe(3);
    expect(after.bytesDelivered - before.bytesDelivered).toBe(bytesOf(received));
    expect(after.messages.batch - before.messages.batch).toBe(3);
  });
});
