// A token's `filter` claim is the most its sockets and its history reads may see: a client's
// `?events`/`?tags`, `filter` frames and history queries only narrow it, and one outside it takes
// nothing rather than widening.
import { beforeAll, describe, expect, it } from "vitest";
import {
  connect,
  errorOf,
  type Frame,
  freshRoom,
  nextMessage,
  publishHttp,
  request,
  type TestSocket,
  upgrade,
  WARM_UP_MS,
  warmUp,
} from "../support/gateway.ts";
import { apiKey, signToken, uniqueSub } from "../support/tokens.ts";

beforeAll(warmUp, WARM_UP_MS);

const CHAT_ONLY = { events: ["chat.*"] };
const claimed = (filter: unknown, sub = uniqueSub("ann")) => signToken({ sub, claims: { filter } });

async function publishAll(room: string, events: [string, Record<string, string>?][]) {
  for (const [event, tags] of events) {
    const res = await publishHttp(room, apiKey("pubacme"), { event, payload: event, ...(tags ? { tags } : {}) });
    expect(res.status).toBe(202);
  }
}

/** The events `socket` receives before a `marker` every socket takes (published last, tagged as the claim needs). */
async function received(room: string, socket: TestSocket, marker: [string, Record<string, string>?]) {
  await publishAll(room, [marker]);
  const got: string[] = [];
  for (let m = await nextMessage(socket); m.event !== marker[0]; m = await nextMessage(socket))
    got.push(String(m.event));
  return got;
}

const MIXED: [string, Record<string, string>?][] = [
  ["chat.sent", { region: "eu" }],
  ["order.paid", { region: "eu" }],
  ["chat.read", { region: "us" }],
  ["chat", { region: "eu" }],
];

describe("a socket whose token has a filter claim", () => {
  it("receives only what the claim takes when it asks for nothing itself", async () => {
    const room = freshRoom();
    const { socket } = await connect(room, await claimed(CHAT_ONLY));
    await publishAll(room, MIXED);
    expect(await received(room, socket, ["chat.end"])).toEqual(["chat.sent", "chat.read"]);
  });

  it("narrows the claim by its own ?events and ?tags", async () => {
    const room = freshRoom();
    const { socket } = await connect(room, await claimed(CHAT_ONLY), "?tags=region:eu");
    await publishAll(room, MIXED);
    expect(await received(room, socket, ["chat.end", { region: "eu" }])).toEqual(["chat.sent"]);
  });

  it("receives nothing when its own filter is outside the claim, not the wider filter", async () => {
    const room = freshRoom();
    const { socket } = await connect(room, await claimed(CHAT_ONLY), "?events=order.*");
    const control = await connect(room, await signToken({ sub: uniqueSub("control") }));
    await publishAll(room, [...MIXED, ["end"]]);
    for (let m = await nextMessage(control.socket); m.event !== "end"; m = await nextMessage(control.socket));
    expect(socket.frames.filter((f) => f.type === "message")).toEqual([]);
  });

  it("answers a filter frame with the filter in force, `empty` when nothing can pass, and delivers by it", async () => {
    const room = freshRoom();
    const { socket } = await connect(room, await claimed({ events: ["chat.*"], tags: { region: ["eu", "us"] } }));
    socket.send({ type: "filter", events: ["order.*"] });
    expect(await socket.nextOfType("filtered")).toEqual({
      type: "filtered",
      events: [],
      tags: { region: ["eu", "us"] },
      empty: true,
    });
    socket.send({ type: "filter", tags: { region: ["eu", "asia"] } });
    expect(await socket.nextOfType("filtered")).toEqual({
      type: "filtered",
      events: ["chat.*"],
      tags: { region: ["eu"] },
    });
    await publishAll(room, MIXED);
    expect(await received(room, socket, ["chat.end", { region: "eu" }])).toEqual(["chat.sent"]);
    // A frame with neither part clears the client's own filter: the claim still holds.
    socket.send({ type: "filter" });
    expect(await socket.nextOfType("filtered")).toEqual({
      type: "filtered",
      events: ["chat.*"],
      tags: { region: ["eu", "us"] },
    });
  });

  it("is replayed on resume only what the claim takes", async () => {
    const room = freshRoom();
    await publishAll(room, MIXED);
    const { socket, welcome } = await connect(room, await claimed(CHAT_ONLY), "?since=0&events=chat.sent,order.paid");
    expect(welcome).toMatchObject({ recovered: true, seq: 4 });
    expect((await nextMessage(socket)).event).toBe("chat.sent");
    await publishAll(room, [["chat.sent"]]);
    expect(await nextMessage(socket)).toMatchObject({ event: "chat.sent", seq: 5 });
  });

  it("follows a refresh to a token with another claim", async () => {
    const room = freshRoom();
    const sub = uniqueSub("ann");
    const { socket } = await connect(room, await claimed(CHAT_ONLY, sub));
    socket.send({ type: "refresh", token: await claimed({ events: ["order.*"] }, sub) });
    await socket.nextOfType("refreshed");
    await publishAll(room, MIXED);
    expect(await received(room, socket, ["order.end"])).toEqual(["order.paid"]);
  });
});

describe("history read with a token that has a filter claim", () => {
  const history = async (room: string, token: string, query = "") => {
    const res = await request(`/v1/rooms/${room}/messages${query}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    return ((await res.json()) as { messages: Frame[] }).messages.map((m) => m.event);
  };

  it("shows only what the claim takes; a query narrows it and one outside it shows nothing", async () => {
    const room = freshRoom();
    await publishAll(room, MIXED);
    const token = await claimed(CHAT_ONLY);
    expect(await history(room, token)).toEqual(["chat.sent", "chat.read"]);
    expect(await history(room, token, "?tags=region:us")).toEqual(["chat.read"]);
    expect(await history(room, token, "?events=order.*")).toEqual([]);
  });
});

describe("a malformed filter claim", () => {
  it.each([
    ["not an object", "chat.*"],
    ["events that are not a list", { events: "chat.*" }],
    ["an unknown field", { events: ["chat.*"], widen: true }],
    ["a bad tag key", { tags: { "Bad Key": ["x"] } }],
  ])("is refused with 401 invalid_claims: %s", async (_name, filter) => {
    const res = await upgrade(`/v1/rooms/${freshRoom()}/ws`, { authorization: `Bearer ${await claimed(filter)}` });
    expect(await errorOf(res)).toMatchObject({ status: 401, code: "invalid_claims" });
  });
});
