// Tags on messages and a subscriber's filter as far as the Worker and history go: tags are published
// and delivered as sent; a connect's `?events=`/`?tags=` (and `?batch=`) reach the socket's member and
// survive hibernation; history and resume replay return only matching messages. Live delivery by
// filter is the room's grouping, tested with it.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { MessageStore } from "../../src/room/ledger/message-store.ts";
import type { ConnectionState } from "../../src/room/sockets/attachment.ts";
import {
  connect,
  errorOf,
  type Frame,
  freshRoom,
  nextMessage,
  publishHttp,
  request,
  roomStubOf,
  upgrade,
  WARM_UP_MS,
  warmUp,
} from "../support/gateway.ts";
import { apiKey, signToken, uniqueSub } from "../support/tokens.ts";

beforeAll(warmUp, WARM_UP_MS);

const publish = (room: string, body: unknown) => publishHttp(room, apiKey("pubacme"), body);

/** Four messages: order.paid (eu), order.refunded (us), user.joined (eu), orders.x (untagged). */
async function publishMix(room: string) {
  for (const body of [
    { event: "order.paid", payload: 1, tags: { region: "eu" } },
    { event: "order.refunded", payload: 2, tags: { region: "us" } },
    { event: "user.joined", payload: 3, tags: { region: "eu", tier: "gold" } },
    { event: "orders.x", payload: 4 },
  ])
    expect((await publish(room, body)).status).toBe(202);
}

async function historyEvents(room: string, query: string): Promise<string[]> {
  const res = await request(`/v1/rooms/${room}/messages${query}`, { headers: { "x-api-key": apiKey("adminacme") } });
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { messages: Frame[] }).messages.map((m) => String(m.event));
}

const statesOf = (room: string) =>
  runInDurableObject(roomStubOf(room), (_i, state) =>
    state.getWebSockets().map((ws) => ws.deserializeAttachment() as ConnectionState),
  );

describe("tags", () => {
  it("are delivered as published, and absent from messages published without them", async () => {
    const room = freshRoom();
    const { socket } = await connect(room, await signToken({ sub: uniqueSub() }));
    await publish(room, { event: "tagged", payload: 1, tags: { tier: "gold", region: "eu" } });
    await publish(room, { event: "plain", payload: 2 });
    const tagged = await nextMessage(socket);
    expect(tagged.tags).toEqual({ tier: "gold", region: "eu" });
    expect(Object.keys(tagged)).toEqual(["type", "id", "seq", "room", "event", "tags", "payload", "sender", "ts"]);
    expect(await nextMessage(socket)).not.toHaveProperty("tags");
  });

  it("are kept in history with the frame", async () => {
    const room = freshRoom();
    await publish(room, { event: "tagged", payload: 1, tags: { region: "eu" } });
    const res = await request(`/v1/rooms/${room}/messages`, { headers: { "x-api-key": apiKey("adminacme") } });
    expect(((await res.json()) as { messages: Frame[] }).messages[0]?.tags).toEqual({ region: "eu" });
  });

  for (const [name, tags] of [
    ["nine tags", Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, "v"]))],
    ["an upper-case key", { Region: "eu" }],
    ["an empty value", { region: "" }],
    ["a non-string value", { region: 1 }],
  ] as const) {
    it(`refuses ${name} with 400 invalid_body`, async () => {
      expect(await errorOf(await publish(freshRoom(), { event: "e", payload: 1, tags }))).toMatchObject({
        status: 400,
        code: "invalid_body",
      });
    });
  }
});

describe("connect options", () => {
  it("carry the filter and batch into the socket's member, in normal form, across hibernation", async () => {
    const room = freshRoom();
    const token = await signToken({ sub: uniqueSub() });
    await connect(room, token, "?events=order.*,user.joined&tags=region:us,region:eu&batch=1");
    await connect(room, token);
    await evictDurableObject(roomStubOf(room), { webSockets: "hibernate" });
    const states = await statesOf(room);
    expect(states.map((s) => s.batch).sort()).toEqual([false, true]);
    expect(states.find((s) => s.batch)?.filter).toEqual({
      events: { exact: ["user.joined"], prefixes: ["order."] },
      tags: { region: ["eu", "us"] },
    });
    expect(states.find((s) => !s.batch)?.filter).toBeUndefined();
  });

  for (const query of ["?events=a,,b", "?tags=region", "?tags=Region:eu", "?tags=region:", "?tags=__proto__:x"]) {
    // Read only after the token and the limiters (test/integration/upgrade-order.test.ts).
    it(`refuses ${query} with 400 invalid_filter`, async () => {
      const token = await signToken({ sub: uniqueSub("bad-filter") });
      const res = await upgrade(`/v1/rooms/${freshRoom()}/ws${query}`, { authorization: `Bearer ${token}` });
      expect(await errorOf(res)).toMatchObject({ status: 400, code: "invalid_filter" });
    });
  }

  it("reads an empty events parameter as no filter", async () => {
    const room = freshRoom();
    await connect(room, await signToken({ sub: uniqueSub() }), "?events=&tags=");
    expect((await statesOf(room))[0]?.filter).toBeUndefined();
  });

  it("refuses a batch flag other than 1, true, 0 or false with 400 invalid_query", async () => {
    const res = await upgrade(`/v1/rooms/${freshRoom()}/ws?batch=yes`, { authorization: "Bearer not-a-token" });
    expect(await errorOf(res)).toMatchObject({ status: 400, code: "invalid_query" });
  });
});

describe("filtered history", () => {
  it("returns only the messages that match events and tags", async () => {
    const room = freshRoom();
    await publishMix(room);
    expect(await historyEvents(room, "")).toEqual(["order.paid", "order.refunded", "user.joined", "orders.x"]);
    expect(await historyEvents(room, "?events=order.*")).toEqual(["order.paid", "order.refunded"]);
    expect(await historyEvents(room, "?tags=region:eu")).toEqual(["order.paid", "user.joined"]);
    expect(await historyEvents(room, "?events=order.*&tags=region:eu,region:us")).toEqual([
      "order.paid",
      "order.refunded",
    ]);
    expect(await historyEvents(room, "?events=order.*,orders.x&tags=region:eu")).toEqual(["order.paid"]);
  });

  it("pages over matching messages only", async () => {
    const room = freshRoom();
    await publishMix(room);
    const res = await request(`/v1/rooms/${room}/messages?tags=region:eu&limit=1`, {
      headers: { "x-api-key": apiKey("adminacme") },
    });
    const page = (await res.json()) as { messages: Frame[]; next?: number };
    expect(page.messages.map((m) => m.event)).toEqual(["order.paid"]);
    expect(await historyEvents(room, `?tags=region:eu&since=${page.next}`)).toEqual(["user.joined"]);
  });

  it("refuses bad filter syntax with 400 invalid_filter", async () => {
    const res = await request(`/v1/rooms/${freshRoom()}/messages?tags=region`, {
      headers: { "x-api-key": apiKey("adminacme") },
    });
    expect(await errorOf(res)).toMatchObject({ status: 400, code: "invalid_filter" });
  });
});

describe("resume with a filter", () => {
  it("replays only the matching messages after since", async () => {
    const room = freshRoom();
    await publishMix(room);
    const { socket, welcome } = await connect(room, await signToken({ sub: uniqueSub() }), "?since=0&tags=region:eu");
    expect(welcome).toMatchObject({ seq: 4, recovered: true });
    expect((await nextMessage(socket)).event).toBe("order.paid");
    expect((await nextMessage(socket)).event).toBe("user.joined");
  });
});

describe("rooms stored before filters", () => {
  it("gain the event and tags columns when they wake, with each stored message's event", async () => {
    const room = freshRoom();
    await runInDurableObject(roomStubOf(room), (_i, state) => {
      const sql = state.storage.sql;
      sql.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
        CREATE TABLE messages (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, frame TEXT NOT NULL, audience TEXT)`);
      sql.exec("INSERT INTO meta VALUES ('seq', 1)");
      sql.exec(
        "INSERT INTO messages VALUES (1, ?, ?, NULL)",
        Date.now(),
        '{"type":"message","seq":1,"event":"old.one"}',
      );
      const store = new MessageStore(state.storage, { maxMessages: 100, maxAgeMs: 60_000 });
      expect([...store.scan(0, Date.now())]).toEqual([
        {
          seq: 1,
          frame: '{"type":"message","seq":1,"event":"old.one"}',
          audience: undefined,
          event: "old.one",
          tags: undefined,
        },
      ]);
      expect(store.lastSeq()).toBe(1);
    });
  });
});
