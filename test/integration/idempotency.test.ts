// Idempotent publish: an Idempotency-Key (or a publish frame's `key`) makes a retry answer like the
// first attempt and deliver nothing; a key reused for another request is refused; keys belong to one
// credential and expire with history.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import {
  connect,
  errorOf,
  freshRoom,
  nextMessage,
  postJson,
  publishHttp,
  roomStubOf,
  type TestSocket,
  WARM_UP_MS,
  warmUp,
} from "../support/gateway.ts";
import { config } from "../support/limits.ts";
import { tablesOf as tablesInStorage } from "../support/storage.ts";
import { apiKey, signToken, uniqueSub } from "../support/tokens.ts";

beforeAll(warmUp, WARM_UP_MS);

const MAX_AGE_MS = config.historyMaxAgeMs;
const publisher = () => signToken({ sub: uniqueSub("pub"), scope: "publish" });
const REPLAYED = "idempotent-replayed";

const keyed = (room: string, credential: string, body: unknown, key: string) =>
  postJson(`/v1/rooms/${room}/messages`, credential, body, { "idempotency-key": key });
const keyedBatch = (room: string, credential: string, body: unknown, key: string) =>
  postJson(`/v1/rooms/${room}/messages/batch`, credential, body, { "idempotency-key": key });

/** Proves `socket` got exactly `events` before a broadcast marker: nothing was delivered twice. */
async function expectOnly(room: string, socket: TestSocket, events: string[]) {
  await publishHttp(room, apiKey("pubacme"), { event: "marker", payload: null });
  for (const event of events) expect((await nextMessage(socket)).event).toBe(event);
  expect((await nextMessage(socket)).event).toBe("marker");
}

/** Moves every message and idempotency record `ms` into the past. */
const age = (room: string, ms: number) =>
  runInDurableObject(roomStubOf(room), (_i, state) => {
    state.storage.sql.exec("UPDATE messages SET ts = ts - ?", ms);
    state.storage.sql.exec("UPDATE idempotency SET ts = ts - ?", ms);
  });

const tablesOf = (room: string) => tablesInStorage(roomStubOf(room));

describe("a repeated Idempotency-Key over HTTP", () => {
  it("answers with the first answer and Idempotent-Replayed: true, and delivers the message once", async () => {
    const room = freshRoom();
    const { socket } = await connect(room, await signToken({ sub: uniqueSub("reader") }));
    const credential = await publisher();
    const body = { event: "once", payload: { n: 1 } };
    const first = await keyed(room, credential, body, "order-42");
    expect(first.status).toBe(202);
    expect(first.headers.get(REPLAYED)).toBeNull();
    const answer = await first.json();
    const again = await keyed(room, credential, body, "order-42");
    expect(again.status).toBe(202);
    expect(again.headers.get(REPLAYED)).toBe("true");
    expect(await again.json()).toEqual(answer);
    await expectOnly(room, socket, ["once"]);
  });

  it("answers a batch repeat with the whole first answer", async () => {
    const room = freshRoom();
    const credential = await publisher();
    const body = { messages: [1, 2, 3].map((n) => ({ event: "b", payload: n })) };
    const answer = await (await keyedBatch(room, credential, body, "batch-1")).json();
    const again = await keyedBatch(room, credential, body, "batch-1");
    expect(again.headers.get(REPLAYED)).toBe("true");
    expect(await again.json()).toEqual(answer);
  });

  it("treats one message sent alone and as a batch of one as the same request", async () => {
    const room = freshRoom();
    const credential = await publisher();
    const message = { event: "same", payload: [1], tags: { a: "1", b: "2" } };
    const alone = (await (await keyed(room, credential, message, "k")).json()) as { seq: number };
    const reordered = { ...message, tags: { b: "2", a: "1" } };
    const batch = await keyedBatch(room, credential, { messages: [reordered] }, "k");
    expect(batch.headers.get(REPLAYED)).toBe("true");
    expect(await batch.json()).toMatchObject({ messages: [{ seq: alone.seq }] });
  });

  it("refuses the same key with a different body with 422 idempotency_key_reused, delivering nothing", async () => {
    const room = freshRoom();
    const { socket } = await connect(room, await signToken({ sub: uniqueSub("reader") }));
    const credential = await publisher();
    expect((await keyed(room, credential, { event: "first", payload: 1 }, "k")).status).toBe(202);
    for (const other of [
      { event: "first", payload: 2 },
      { event: "second", payload: 1 },
      { event: "first", payload: 1, tags: { a: "1" } },
    ])
      expect(await errorOf(await keyed(room, credential, other, "k"))).toMatchObject({
        status: 422,
        code: "idempotency_key_reused",
      });
    expect(
      await errorOf(
        await keyedBatch(
          room,
          credential,
          {
            messages: [
              { event: "first", payload: 1 },
              { event: "x", payload: 1 },
            ],
          },
          "k",
        ),
      ),
    ).toMatchObject({ status: 422 });
    await expectOnly(room, socket, ["first"]);
  });

  it("lets two credentials use the same key independently", async () => {
    const room = freshRoom();
    const body = { event: "e", payload: 1 };
    const byKey = await keyed(room, apiKey("pubacme"), body, "shared");
    const byUser = await keyed(room, await publisher(), body, "shared");
    expect([byKey.headers.get(REPLAYED), byUser.headers.get(REPLAYED)]).toEqual([null, null]);
    expect([((await byKey.json()) as { seq: number }).seq, ((await byUser.json()) as { seq: number }).seq]).toEqual([
      1, 2,
    ]);
  });

  it("publishes once when the same keyed request arrives several times at once", async () => {
    const room = freshRoom();
    const { socket } = await connect(room, await signToken({ sub: uniqueSub("reader") }));
    const credential = await publisher();
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => keyed(room, credential, { event: "race", payload: 1 }, "race")),
    );
    const bodies = await Promise.all(answers.map((r) => r.json()));
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
    expect(answers.filter((r) => r.headers.get(REPLAYED) === null)).toHaveLength(1);
    await expectOnly(room, socket, ["race"]);
  });

  it("forgets a key once history has expired, and publishes it again", async () => {
    const room = freshRoom();
    const credential = await publisher();
    const body = { event: "e", payload: 1 };
    await keyed(room, credential, body, "old");
    await age(room, MAX_AGE_MS + 1_000);
    const again = await keyed(room, credential, body, "old");
    expect(again.headers.get(REPLAYED)).toBeNull();
    expect(await again.json()).toMatchObject({ seq: 2 });
  });

  const badKeys: [string, string][] = [
    ["an empty key", ""],
    ["a key over 128 characters", "k".repeat(129)],
    ["a key with a tab", "a\tb"],
    ["a key with a Latin-1 letter", "caf\u00e9"],
  ];
  for (const [name, key] of badKeys) {
    it(`refuses ${name} with 400 invalid_idempotency_key, publishing nothing`, async () => {
      const room = freshRoom();
      expect(await errorOf(await keyed(room, await publisher(), { event: "e", payload: 1 }, key))).toMatchObject({
        status: 400,
        code: "invalid_idempotency_key",
      });
      expect(
        await errorOf(await keyedBatch(room, await publisher(), { messages: [{ event: "e", payload: 1 }] }, key)),
      ).toMatchObject({
        status: 400,
        code: "invalid_idempotency_key",
      });
    });
  }
});

describe("a publish frame's key", () => {
  async function publisherSocket(room: string, sub = uniqueSub("ws")) {
    return (await connect(room, await signToken({ sub, scope: "subscribe publish" }))).socket;
  }

  it("acks a repeat with the first ack and delivers the message once", async () => {
    const room = freshRoom();
    const socket = await publisherSocket(room);
    const frame = { type: "publish", event: "ws-once", payload: 1, key: "k1" };
    socket.send({ ...frame, ref: 1 });
    const first = await socket.nextOfType("ack");
    socket.send({ ...frame, ref: 2 });
    const second = await socket.nextOfType("ack");
    expect(second).toEqual({ ...first, ref: 2 });
    await expectOnly(room, socket, ["ws-once"]);
  });

  it("refuses a key reused for another publish with an error frame carrying the ref", async () => {
    const room = freshRoom();
    const socket = await publisherSocket(room);
    socket.send({ type: "publish", event: "a", payload: 1, key: "k", ref: 1 });
    await socket.nextOfType("ack");
    socket.send({ type: "publish", event: "b", payload: 1, key: "k", ref: 2 });
    expect(await socket.nextOfType("error")).toMatchObject({ code: "idempotency_key_reused", ref: 2 });
    await expectOnly(room, socket, ["a"]);
  });

  it("shares a user's keys with the user's HTTP publishes", async () => {
    const room = freshRoom();
    const sub = uniqueSub("both");
    const http = await keyed(room, await signToken({ sub, scope: "publish" }), { event: "e", payload: 1 }, "k");
    const answer = (await http.json()) as { id: string; seq: number };
    const socket = await publisherSocket(room, sub);
    socket.send({ type: "publish", event: "e", payload: 1, key: "k", ref: "r" });
    expect(await socket.nextOfType("ack")).toMatchObject({ ref: "r", id: answer.id, seq: answer.seq });
  });
});

describe("idempotency records and the room's storage", () => {
  it("creates no table for keys in a room that never saw one", async () => {
    const room = freshRoom();
    await publishHttp(room, apiKey("pubacme"), { event: "e", payload: 1 });
    expect(await tablesOf(room)).not.toContain("idempotency");
  });

  it("deletes the room's storage once its history and keys have expired", async () => {
    const room = freshRoom();
    await keyed(room, await publisher(), { event: "e", payload: 1 }, "k");
    await age(room, MAX_AGE_MS + 1_000);
    expect(await runDurableObjectAlarm(roomStubOf(room))).toBe(true);
    expect(await tablesOf(room)).toEqual([]);
  });

  it("keeps a live key, and the storage holding it, after its message is pruned by count", async () => {
    const room = freshRoom();
    const credential = await publisher();
    const body = { event: "e", payload: 1 };
    await keyed(room, credential, body, "k");
    await runInDurableObject(roomStubOf(room), (_i, state) => {
      state.storage.sql.exec("DELETE FROM messages");
    });
    expect(await runDurableObjectAlarm(roomStubOf(room))).toBe(true);
    expect(await tablesOf(room)).toContain("idempotency");
    expect((await keyed(room, credential, body, "k")).headers.get(REPLAYED)).toBe("true");
  });
});
