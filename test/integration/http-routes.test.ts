// Every validation error of the HTTP routes, the fixed routes, and the seed aliases of room `default`.
import { beforeAll, describe, expect, it } from "vitest";
import {
  connect,
  errorOf,
  freshRoom,
  publishHttp,
  request,
  TestSocket,
  upgrade,
  WARM_UP_MS,
  warmUp,
} from "../support/gateway.ts";
import { config } from "../support/limits.ts";
import { signToken, uniqueSub } from "../support/tokens.ts";

beforeAll(warmUp, WARM_UP_MS);

const LIMIT = config.maxPayloadBytes;
const publisher = () => signToken({ sub: uniqueSub("pub"), scope: "publish" });

async function publishCode(body: unknown, room = freshRoom()) {
  return errorOf(await publishHttp(room, await publisher(), body));
}

describe("fixed routes", () => {
  it("answers GET /health with ok", async () => {
    const res = await request("/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  it("answers an unknown route with 404 not_found as JSON", async () => {
    const res = await request("/nope");
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(await errorOf(res)).toMatchObject({ status: 404, code: "not_found" });
  });

  it("answers a wrong method on a known path with 404 not_found", async () => {
    expect(await errorOf(await request(`/v1/rooms/${freshRoom()}/messages`, { method: "PUT" }))).toMatchObject({
      status: 404,
      code: "not_found",
    });
    const res = await request(`/v1/rooms/${freshRoom()}/ws`, { method: "POST" });
    expect(await errorOf(res)).toMatchObject({ status: 404, code: "not_found" });
  });

  it("answers a connect without an upgrade with 426 upgrade_required, before checking the token", async () => {
    expect(await errorOf(await request(`/v1/rooms/${freshRoom()}/ws`))).toMatchObject({
      status: 426,
      code: "upgrade_required",
    });
    expect(await errorOf(await request("/ws"))).toMatchObject({ status: 426, code: "upgrade_required" });
  });
});

describe("room names", () => {
  const bad = ["bad!room", "bad%20room", "bad%2Froom", "caf%C3%A9", "r".repeat(129)];
  for (const room of bad) {
    it(`refuses ${room.length > 20 ? `${room.length} characters` : room} with 400 invalid_room on both routes`, async () => {
      expect(await publishCode({ event: "e", payload: 1 }, room)).toMatchObject({ status: 400, code: "invalid_room" });
      const res = await upgrade(`/v1/rooms/${room}/ws`, { authorization: `Bearer ${await signToken()}` });
      expect(await errorOf(res)).toMatchObject({ status: 400, code: "invalid_room" });
    });
  }

  it("accepts 128 characters of every allowed kind", async () => {
    const room = `Az09_.:-${"x".repeat(120)}`;
    const res = await publishHttp(room, await publisher(), { event: "e", payload: 1 });
    expect(res.status).toBe(202);
  });
});

describe("publish body", () => {
  it("answers 400 invalid_json for a body that is not JSON", async () => {
    expect(await publishCode("{not json")).toMatchObject({ status: 400, code: "invalid_json" });
    expect(await publishCode("")).toMatchObject({ status: 400, code: "invalid_json" });
  });

  const invalid: [string, unknown][] = [
    ["a body that is not an object", [1, 2]],
    ["a missing event", { payload: 1 }],
    ["an empty event", { event: "", payload: 1 }],
    ["an event of 65 characters", { event: "e".repeat(65), payload: 1 }],
    ["an event that is not a string", { event: 7, payload: 1 }],
    ["a missing payload", { event: "e" }],
    ["an unknown top-level field", { event: "e", payload: 1, extra: true }],
    ["a forged sender", { event: "e", payload: 1, sender: { kind: "api_key", id: "admin" } }],
    ["a forged seq", { event: "e", payload: 1, seq: 1 }],
    ["`to` as a string", { event: "e", payload: 1, to: "bob" }],
    ["`to.users` as a string", { event: "e", payload: 1, to: { users: "bob" } }],
    ["`to.users` with a number", { event: "e", payload: 1, to: { users: [1] } }],
    ["`to.connections` with an empty id", { event: "e", payload: 1, to: { connections: [""] } }],
    ["an unknown field in `to`", { event: "e", payload: 1, to: { rooms: ["x"] } }],
    ["`exclude` as a list", { event: "e", payload: 1, exclude: ["c1"] }],
    ["`exclude.users`, which does not exist", { event: "e", payload: 1, exclude: { users: ["bob"] } }],
    ["`exclude.connections` as a string", { event: "e", payload: 1, exclude: { connections: "c1" } }],
  ];
  for (const [name, body] of invalid) {
    it(`answers 400 invalid_body for ${name}`, async () => {
      expect(await publishCode(body)).toMatchObject({ status: 400, code: "invalid_body" });
    });
  }

  it("accepts any JSON payload, null included", async () => {
    const room = freshRoom();
    for (const payload of [null, 0, "text", [1, "two"], { deep: { er: [true] } }]) {
      expect((await publishHttp(room, await publisher(), { event: "e", payload })).status).toBe(202);
    }
  });

  it(`accepts a payload of exactly ${LIMIT} bytes and refuses one byte more with 413 payload_too_large`, async () => {
    const room = freshRoom();
    const exact = "a".repeat(LIMIT - 2); // the quotes make it LIMIT bytes of JSON
    expect((await publishHttp(room, await publisher(), { event: "e", payload: exact })).status).toBe(202);
    expect(await publishCode({ event: "e", payload: `${exact}a` }, room)).toMatchObject({
      status: 413,
      code: "payload_too_large",
    });
  });

  it("counts the payload in UTF-8 bytes: fewer characters than the limit can still be too large", async () => {
    const payload = "é".repeat(LIMIT / 2); // LIMIT / 2 characters, LIMIT bytes, plus the quotes
    expect(await publishCode({ event: "e", payload })).toMatchObject({ status: 413, code: "payload_too_large" });
  });

  it("refuses a body far over the limit with 413 payload_too_large", async () => {
    expect(await publishCode({ event: "e", payload: "a".repeat(4 * LIMIT) })).toMatchObject({
      status: 413,
      code: "payload_too_large",
    });
  });

  it("refuses a streamed body far over the limit with 413 payload_too_large", async () => {
    const chunk = new TextEncoder().encode("a".repeat(LIMIT));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0) controller.enqueue(new TextEncoder().encode('{"event":"e","payload":"'));
        if (sent++ < 4) controller.enqueue(chunk);
        else {
          controller.enqueue(new TextEncoder().encode('"}'));
          controller.close();
        }
      },
    });
    const res = await request(`/v1/rooms/${freshRoom()}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${await publisher()}` },
      body: stream,
    });
    expect(await errorOf(res)).toMatchObject({ status: 413, code: "payload_too_large" });
  });
});

describe("seed aliases of room `default`", () => {
  it("GET /ws connects to room default", async () => {
    const sub = uniqueSub("seed");
    const res = await upgrade("/ws", { authorization: `Bearer ${await signToken({ sub })}` });
    if (res.webSocket === null) throw new Error(`upgrade refused: ${res.status}`);
    const socket = new TestSocket(res.webSocket);
    expect(await socket.nextOfType("welcome")).toMatchObject({ room: "default", user: sub });
    socket.close();
  });

  it("POST /broadcast publishes to room default, where GET /ws and /v1/rooms/default/ws both listen", async () => {
    // Room `default` is shared by every test of this file, so the message is told apart by its event.
    const viaAlias = await upgrade("/ws", { authorization: `Bearer ${await signToken({ sub: uniqueSub() })}` });
    if (viaAlias.webSocket === null) throw new Error(`upgrade refused: ${viaAlias.status}`);
    const aliasSocket = new TestSocket(viaAlias.webSocket);
    await aliasSocket.nextOfType("welcome");
    const { socket: roomSocket } = await connect("default", await signToken({ sub: uniqueSub() }));

    const event = `seed-${crypto.randomUUID().slice(0, 8)}`;
    const res = await request("/broadcast", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${await publisher()}` },
      body: JSON.stringify({ event, payload: "hi" }),
    });
    expect(res.status).toBe(202);
    for (const socket of [aliasSocket, roomSocket]) {
      expect(await socket.next((f) => f.type === "message" && f.event === event)).toMatchObject({
        room: "default",
        payload: "hi",
      });
      socket.close();
    }
  });

  it("POST /broadcast applies the same checks as the room route", async () => {
    const res = await request("/broadcast", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${await publisher()}` },
      body: JSON.stringify({ payload: "no event" }),
    });
    expect(await errorOf(res)).toMatchObject({ status: 400, code: "invalid_body" });
    const anonymous = await request("/broadcast", { method: "POST", body: "{}" });
    expect(await errorOf(anonymous)).toMatchObject({ status: 401, code: "missing_token" });
  });
});
