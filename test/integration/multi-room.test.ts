// One message to many rooms (`POST /v1/messages`): each room answers for itself, in order; a room's
// refusal never stops the others; the call counts once per room against the publisher's limit; an
// Idempotency-Key covers the whole call.
import { beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import type { multiRoomResultSchema } from "../../src/openapi/schemas.ts";
import type { RoomResult } from "../../src/routes/publish-many.ts";
import { connect, errorOf, freshRoom, nextMessage, postJson, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { rateLimit } from "../support/limits.ts";
import { apiKey, signToken, uniqueSub } from "../support/tokens.ts";

beforeAll(warmUp, WARM_UP_MS);

const PUBLISH_LIMIT = rateLimit("PUBLISH_LIMITER").limit;
const FLOOD_MS = 60_000;
const publishMany = (credential: string, body: unknown, headers: Record<string, string> = {}) =>
  postJson("/v1/messages", credential, body, headers);
const publisher = () => signToken({ sub: uniqueSub("pub"), scope: "publish" });
const reader = async (room: string) => (await connect(room, await signToken({ sub: uniqueSub("r") }))).socket;

async function results(res: Response): Promise<RoomResult[]> {
  expect(res.status).toBe(202);
  return ((await res.json()) as { results: RoomResult[] }).results;
}

describe("POST /v1/messages", () => {
  it("publishes the message in every room and answers each room's id, seq and delivered, in order", async () => {
    const rooms = [freshRoom(), freshRoom(), freshRoom()];
    const sockets = await Promise.all(rooms.map(reader));
    const body = { rooms, event: "notice", payload: { n: 1 }, tags: { region: "eu" } };
    const answer = await results(await publishMany(apiKey("pubacme"), body));
    expect(answer).toEqual(rooms.map((room) => ({ room, id: expect.any(String), seq: 1, delivered: 1 })));
    for (const [i, socket] of sockets.entries())
      expect(await nextMessage(socket)).toMatchObject({
        room: rooms[i],
        id: (answer[i] as { id: string }).id,
        seq: 1,
        event: "notice",
        tags: { region: "eu" },
        payload: { n: 1 },
        sender: { kind: "api_key", id: "pubacme" },
      });
  });

  it("answers a room the token does not grant with its own error and still publishes to the others", async () => {
    const prefix = `mr-${crypto.randomUUID()}`;
    const [granted, other, alsoGranted] = [`${prefix}-a`, `other-${prefix}`, `${prefix}-b`];
    const token = await signToken({ sub: uniqueSub("pub"), scope: "publish", rooms: [`${prefix}-*`] });
    const socket = await reader(other);
    const answer = await results(
      await publishMany(token, { rooms: [granted, other, alsoGranted], event: "e", payload: 1 }),
    );
    expect(answer).toEqual([
      { room: granted, id: expect.any(String), seq: 1, delivered: 0 },
      { room: other, error: { code: "forbidden", message: expect.any(String) } },
      { room: alsoGranted, id: expect.any(String), seq: 1, delivered: 0 },
    ]);
    await postJson(`/v1/rooms/${other}/messages`, apiKey("pubacme"), { event: "marker", payload: null });
    expect((await nextMessage(socket)).event).toBe("marker");
  });

  it("publishes ephemeral messages to every room without a seq", async () => {
    const rooms = [freshRoom(), freshRoom()];
    const sockets = await Promise.all(rooms.map(reader));
    const answer = await results(
      await publishMany(apiKey("pubacme"), { rooms, event: "typing", payload: true, ephemeral: true }),
    );
    expect(answer).toEqual(rooms.map((room) => ({ room, id: expect.any(String), ephemeral: true, delivered: 1 })));
    for (const socket of sockets) expect(await nextMessage(socket)).toMatchObject({ ephemeral: true, event: "typing" });
  });

  it.each([
    ["no rooms", { rooms: [], event: "e", payload: 1 }],
    ["101 rooms", { rooms: Array.from({ length: 101 }, (_, i) => `r${i}`), event: "e", payload: 1 }],
    ["a room named twice", { rooms: ["a", "b", "a"], event: "e", payload: 1 }],
    ["a bad room name", { rooms: ["ok", "no spaces"], event: "e", payload: 1 }],
    ["a `to`, which names one room's connections", { rooms: ["a"], event: "e", payload: 1, to: { users: ["u"] } }],
    ["no event", { rooms: ["a"], payload: 1 }],
  ])("refuses a body with %s as a whole (400 invalid_body)", async (_name, body) => {
    expect(await errorOf(await publishMany(apiKey("pubacme"), body))).toMatchObject({
      status: 400,
      code: "invalid_body",
    });
  });

  it("refuses a credential without scope publish", async () => {
    const res = await publishMany(apiKey("presacme"), { rooms: [freshRoom()], event: "e", payload: 1 });
    expect(await errorOf(res)).toMatchObject({ status: 403, code: "forbidden" });
  });

  it(
    "counts one publish per room: calls to the limit's worth of rooms are refused by the third",
    async () => {
      const credential = await publisher();
      const rooms = Array.from({ length: Math.min(PUBLISH_LIMIT, 100) }, () => freshRoom());
      const perCall = rooms.length;
      // Counted as one unit a call, none would be refused before PUBLISH_LIMIT calls. A window may
      // roll over between two calls, so two may pass; with the limit's worth per call a third never can.
      expect(perCall).toBe(PUBLISH_LIMIT);
      let refused: Awaited<ReturnType<typeof errorOf>> | undefined;
      for (let i = 0; i < 3 && refused === undefined; i++) {
        const res = await publishMany(credential, { rooms, event: "e", payload: i });
        if (res.status !== 202) refused = await errorOf(res);
      }
      expect(refused).toMatchObject({ status: 429, code: "rate_limited" });
    },
    FLOOD_MS,
  );
});

describe("an Idempotency-Key on POST /v1/messages", () => {
  it("answers a repeat with the first answer for every room and delivers nothing again", async () => {
    const rooms = [freshRoom(), freshRoom()];
    const sockets = await Promise.all(rooms.map(reader));
    const credential = await publisher();
    const body = { rooms, event: "once", payload: { n: 1 } };
    const first = await results(await publishMany(credential, body, { "idempotency-key": "call-1" }));
    const again = await publishMany(credential, body, { "idempotency-key": "call-1" });
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await results(again)).toEqual(first);
    for (const [i, socket] of sockets.entries()) {
      expect((await nextMessage(socket)).event).toBe("once");
      await postJson(`/v1/rooms/${rooms[i]}/messages`, apiKey("pubacme"), { event: "marker", payload: null });
      expect((await nextMessage(socket)).event).toBe("marker");
    }
  });

  it("binds the key to the room list: the same key for another call is refused in each room that recorded it", async () => {
    const [a, b, c] = [freshRoom(), freshRoom(), freshRoom()];
    const credential = await publisher();
    await results(await publishMany(credential, { rooms: [a, b], event: "e", payload: 1 }, { "idempotency-key": "k" }));
    const answer = await results(
      await publishMany(credential, { rooms: [a, c], event: "e", payload: 1 }, { "idempotency-key": "k" }),
    );
    expect(answer).toEqual([
      { room: a, error: { code: "idempotency_key_reused", message: expect.any(String) } },
      { room: c, id: expect.any(String), seq: 1, delivered: 0 },
    ]);
    // The same key on the single-room route is another request too.
    const single = await postJson(
      `/v1/rooms/${b}/messages`,
      credential,
      { event: "e", payload: 1 },
      {
        "idempotency-key": "k",
      },
    );
    expect(await errorOf(single)).toMatchObject({ status: 422, code: "idempotency_key_reused" });
  });

  it("refuses a malformed key before publishing anywhere", async () => {
    const room = freshRoom();
    const res = await publishMany(
      apiKey("pubacme"),
      { rooms: [room], event: "e", payload: 1 },
      { "idempotency-key": "k".repeat(129) },
    );
    expect(await errorOf(res)).toMatchObject({ status: 400, code: "invalid_idempotency_key" });
    const socket = await reader(room);
    const marker = await results(await publishMany(apiKey("pubacme"), { rooms: [room], event: "marker", payload: 0 }));
    expect(marker).toEqual([{ room, id: expect.any(String), seq: 1, delivered: 1 }]);
    expect((await nextMessage(socket)).event).toBe("marker");
  });
});

describe("the document", () => {
  it("describes the answer with the handler's own type", () => {
    expectTypeOf<z.infer<typeof multiRoomResultSchema>>().toEqualTypeOf<{ results: RoomResult[] }>();
  });
});
