// Each subscriber receives only what its filter matches, live: events exact and by prefix, tags
// with several values per key, both parts together, a live change (and clearing), through
// hibernation, with targeting, and with `delivered` counting only the sockets sent to.
import { evictDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import {
  connect,
  type Frame,
  freshRoom,
  publishHttp,
  roomStubOf,
  type TestSocket,
  WARM_UP_MS,
  warmUp,
} from "../support/gateway.ts";
import { apiKey, signToken, uniqueSub } from "../support/tokens.ts";

beforeAll(warmUp, WARM_UP_MS);

const MIX = [
  { event: "order.paid", payload: 1, tags: { region: "eu" } },
  { event: "order.refunded", payload: 2, tags: { region: "us" } },
  { event: "user.joined", payload: 3, tags: { region: "eu", tier: "gold" } },
  { event: "orders.x", payload: 4 },
  { event: "order", payload: 5, tags: { region: "apac" } },
];

async function publishAll(room: string, bodies: unknown[]): Promise<number[]> {
  const delivered: number[] = [];
  for (const body of bodies) {
    const res = await publishHttp(room, apiKey("pubacme"), body);
    expect(res.status).toBe(202);
    delivered.push(((await res.json()) as { delivered: number }).delivered);
  }
  return delivered;
}

/** The events `socket` receives up to (not including) the first `last`. */
async function eventsUntil(socket: TestSocket, last: string): Promise<string[]> {
  const got: string[] = [];
  for (;;) {
    const m = await socket.nextOfType("message");
    if (m.event === last) return got;
    got.push(String(m.event));
  }
}

const eventsUntilMarker = (socket: TestSocket) => eventsUntil(socket, "marker");

const subscriber = async (room: string, query = "") =>
  (await connect(room, await signToken({ sub: uniqueSub("f") }), query)).socket;

const MARKER = { event: "marker", payload: null };
/** Ends each case: every filter below lets it through. */
const END = { event: "order.end", payload: null, tags: { region: "us" } };

describe("live delivery by filter", () => {
  const cases: { name: string; query: string; want: string[] }[] = [
    { name: "exact events", query: "?events=order.paid,user.joined,order.end", want: ["order.paid", "user.joined"] },
    {
      name: "an event prefix (not the bare prefix, not a longer word)",
      query: "?events=order.*",
      want: ["order.paid", "order.refunded"],
    },
    {
      name: "several values for one tag key",
      query: "?tags=region:eu,region:us",
      want: ["order.paid", "order.refunded", "user.joined"],
    },
    { name: "events and tags together", query: "?events=order.*&tags=region:us", want: ["order.refunded"] },
  ];
  for (const c of cases)
    it(`delivers what ${c.name} match`, async () => {
      const room = freshRoom();
      const socket = await subscriber(room, c.query);
      const everyone = await subscriber(room);
      await publishAll(room, [...MIX, END]);
      expect(await eventsUntil(socket, END.event)).toEqual(c.want);
      expect(await eventsUntil(everyone, END.event)).toEqual(MIX.map((m) => m.event));
    });

  it("counts in `delivered` only the sockets a message was sent to", async () => {
    const room = freshRoom();
    await subscriber(room, "?events=order.paid");
    await subscriber(room, "?events=order.paid");
    await subscriber(room, "?tags=region:us");
    await subscriber(room);
    expect(await publishAll(room, MIX)).toEqual([3, 2, 1, 1, 1]);
  });

  it("replaces the filter with a filter frame, answers filtered, and clears it with an empty one", async () => {
    const room = freshRoom();
    const socket = await subscriber(room, "?events=marker");
    socket.send({ type: "filter", events: ["user.*", "marker"], tags: { tier: ["gold", "silver"] } });
    expect(await socket.nextOfType("filtered")).toEqual({
      type: "filtered",
      events: ["marker", "user.*"],
      tags: { tier: ["gold", "silver"] },
    });
    await publishAll(room, [...MIX, { event: "marker", payload: null, tags: { tier: "gold" } }]);
    expect(await eventsUntilMarker(socket)).toEqual(["user.joined"]);
    socket.send({ type: "filter" });
    expect(await socket.nextOfType("filtered")).toEqual({ type: "filtered", events: [], tags: {} });
    await publishAll(room, [...MIX, MARKER]);
    expect(await eventsUntilMarker(socket)).toEqual(MIX.map((m) => m.event));
  });

  it("refuses a bad filter frame with invalid_message and keeps the old filter", async () => {
    const room = freshRoom();
    const socket = await subscriber(room, "?events=order.paid,marker");
    for (const bad of [
      { type: "filter", events: [""] },
      { type: "filter", events: ["e".repeat(65)] },
      { type: "filter", events: Array.from({ length: 17 }, (_, i) => `e${i}`) },
      { type: "filter", tags: { "Bad Key": ["x"] } },
      { type: "filter", tags: { region: "eu" } },
      { type: "filter", tags: { region: [] } },
      { type: "filter", unknown: true },
    ]) {
      socket.send(bad);
      expect(await socket.nextOfType("error"), JSON.stringify(bad)).toMatchObject({ code: "invalid_message" });
    }
    await publishAll(room, [...MIX, MARKER]);
    expect(await eventsUntilMarker(socket)).toEqual(["order.paid"]);
  });

  it("keeps a filter changed live through hibernation", async () => {
    const room = freshRoom();
    const socket = await subscriber(room);
    socket.send({ type: "filter", events: ["order.refunded", "marker"] });
    await socket.nextOfType("filtered");
    await evictDurableObject(roomStubOf(room), { webSockets: "hibernate" });
    await publishAll(room, [...MIX, MARKER]);
    expect(await eventsUntilMarker(socket)).toEqual(["order.refunded"]);
  });

  it("keeps sockets sharing a filter right as some change it, clear it or leave", async () => {
    const room = freshRoom();
    const watcher = await signToken({ sub: uniqueSub("w"), scope: "subscribe presence" });
    const stays = (await connect(room, watcher, "?presence=1&events=order.paid,marker")).socket;
    const [moves, clears, leaves] = await Promise.all(
      [1, 2, 3].map(() => subscriber(room, "?events=order.paid,marker")),
    );
    // A delivery first, so the room has grouped the sockets before they change.
    expect(await publishAll(room, [MARKER])).toEqual([4]);
    for (const s of [stays, moves, clears, leaves]) expect(await eventsUntilMarker(s as TestSocket)).toEqual([]);
    moves?.send({ type: "filter", events: ["order.refunded", "marker"] });
    clears?.send({ type: "filter" });
    for (const s of [moves, clears]) await s?.nextOfType("filtered");
    leaves?.close();
    await stays.next((f) => f.type === "presence" && f.action === "leave");
    // Sent to: paid → stays, clears; refunded → moves, clears; the other three → clears.
    expect(await publishAll(room, [...MIX, MARKER])).toEqual([2, 2, 1, 1, 1, 3]);
    expect(await eventsUntilMarker(stays)).toEqual(["order.paid"]);
    expect(await eventsUntilMarker(moves as TestSocket)).toEqual(["order.refunded"]);
    expect(await eventsUntilMarker(clears as TestSocket)).toEqual(MIX.map((m) => m.event));
  });

  it("applies both targeting and the target's filter", async () => {
    const room = freshRoom();
    const sub = uniqueSub("target");
    const { socket } = await connect(room, await signToken({ sub }), "?events=wanted,marker");
    const delivered = await publishAll(room, [
      { event: "unwanted", payload: 1, to: { users: [sub] } },
      { event: "wanted", payload: 2, to: { users: [sub] } },
      MARKER,
    ]);
    expect(delivered.slice(0, 2)).toEqual([0, 1]);
    expect(await eventsUntilMarker(socket)).toEqual(["wanted"]);
  });

  it("does not filter presence frames", async () => {
    const room = freshRoom();
    const token = await signToken({ sub: uniqueSub("w"), scope: "subscribe presence" });
    const { socket } = await connect(room, token, "?presence=1&events=nothing.at.all");
    await subscriber(room);
    expect((await socket.nextOfType("presence")) as Frame).toMatchObject({ action: "join" });
  });
});
