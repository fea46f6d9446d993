// The live tap end to end inside workerd: GET /v1/admin/rooms/{room}/tap opens a tap socket in the
// room's object, which sends `ready` and then every message as it is published (targeted and
// ephemeral ones included), through a hibernation; the tap is in no count; only an admin opens it.
import { evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { MAX_TAPS_PER_ROOM } from "../../src/room/tap.ts";
import {
  errorOf,
  freshRoom,
  join,
  nextMessage,
  publishHttp,
  request,
  roomStubOf,
  WARM_UP_MS,
  warmUp,
} from "../support/gateway.ts";
import { openTap, type TapReader } from "../support/tap.ts";
import { apiKey, signToken } from "../support/tokens.ts";
import { roomsOf } from "../support/usage.ts";
import { waitFor } from "../support/wait.ts";

beforeAll(warmUp, WARM_UP_MS);

const admin = apiKey("adminacme");
const getJson = async (path: string) =>
  (await request(path, { headers: { authorization: `Bearer ${admin}` } })).json() as Promise<Record<string, unknown>>;

const open: TapReader[] = [];
afterEach(async () => {
  for (const tap of open.splice(0)) await tap.close();
});

async function tapOf(room: string): Promise<TapReader> {
  const { res, tap } = await openTap(room, admin);
  if (res.status !== 200) throw new Error(`the tap was refused: ${res.status} ${await res.text()}`);
  expect(res.headers.get("content-type")).toContain("text/event-stream");
  open.push(tap);
  return tap;
}

describe("the live tap", () => {
  it("sends ready with the room's seq, then every message as published, targeted ones with their targets", async () => {
    const room = freshRoom();
    const ann = await join(room, "ann");
    const bob = await join(room, "bob");
    await publishHttp(room, admin, { event: "before", payload: 0 });
    const tap = await tapOf(room);
    const ready = await tap.next();
    expect(ready.event).toBe("ready");
    expect(JSON.parse(ready.data)).toEqual({ type: "ready", room, seq: 1 });

    await publishHttp(room, admin, { event: "all", payload: 1 });
    await publishHttp(room, admin, { event: "dm", payload: 2, to: { users: ["bob"] } });
    await publishHttp(room, admin, { event: "not-ann", payload: 3, exclude: { connections: [ann.connectionId] } });
    await publishHttp(room, admin, { event: "live", payload: 4, ephemeral: true });
    ann.socket.send({ type: "publish", event: "from-ann", payload: 5, ref: "a" });

    const events = [];
    for (let i = 0; i < 5; i++) events.push(await tap.next());
    // An ephemeral message has no seq, so no id: the stream's last id stays (as SSE has it).
    expect(events.map((e) => [e.event, e.id])).toEqual([
      ["message", "2"],
      ["message", "3"],
      ["message", "4"],
      ["message", "4"],
      ["message", "5"],
    ]);
    const frames = events.map((e) => JSON.parse(e.data) as Record<string, unknown>);
    expect(frames[3]).not.toHaveProperty("seq");
    expect(frames[0]).toMatchObject({ type: "message", seq: 2, room, event: "all", payload: 1 });
    expect(frames[0]).not.toHaveProperty("to");
    expect(frames[1]).toMatchObject({ seq: 3, event: "dm", to: { users: ["bob"] } });
    expect(frames[2]).toMatchObject({ seq: 4, exclude: { connections: [ann.connectionId] } });
    expect(frames[3]).toMatchObject({ ephemeral: true, event: "live", payload: 4 });
    expect(frames[4]).toMatchObject({ seq: 5, event: "from-ann", sender: { kind: "user", id: "ann" } });
    // The clients' frames carry no targets: those are for the admin only.
    const toBob = [];
    for (let i = 0; i < 3; i++) toBob.push(await nextMessage(bob.socket));
    expect(toBob.map((m) => m.event)).toEqual(["before", "all", "dm"]);
    expect(toBob[2]).not.toHaveProperty("to");
  });

  it("is not a connection: presence, the room's figures, the rooms list and the welcome leave it out", async () => {
    const room = freshRoom();
    const tap = await tapOf(room);
    await tap.next();
    const presence = await getJson(`/v1/rooms/${room}/presence`);
    expect(presence).toMatchObject({ connections: 0, users: [] });

    const ann = await join(room, "ann");
    expect(await getJson(`/v1/admin/rooms/${room}`)).toMatchObject({ connections: 1, shards: [{ connections: 1 }] });
    expect(await getJson(`/v1/rooms/${room}/presence`)).toMatchObject({ connections: 1, users: [{ id: "ann" }] });
    // The room reports its sockets to the usage index on its alarm: one, not two.
    expect(await runDurableObjectAlarm(roomStubOf(room))).toBe(true);
    expect((await roomsOf("adminacme", `?prefix=${room}`)).rooms).toEqual([
      { room, connections: 1, users: 1, shards: 1 },
    ]);

    // The last client leaving empties the room; the tap still sees what comes next.
    ann.socket.close();
    await ann.socket.waitClosed();
    await publishHttp(room, admin, { event: "after", payload: 1 });
    expect(await tap.nextData()).toMatchObject({ seq: 1, event: "after" });
  });

  it("keeps tapping through a hibernation of the room", async () => {
    const room = freshRoom();
    const ann = await join(room, "ann");
    const tap = await tapOf(room);
    await tap.next();
    await evictDurableObject(roomStubOf(room), { webSockets: "hibernate" });
    await publishHttp(room, admin, { event: "woken", payload: 1 });
    expect(await tap.nextData()).toMatchObject({ seq: 1, event: "woken" });
    expect(await nextMessage(ann.socket)).toMatchObject({ seq: 1, event: "woken" });
    expect(await getJson(`/v1/rooms/${room}/presence`)).toMatchObject({ connections: 1 });
  });

  it("opens on a room nobody has used: ready at seq 0", async () => {
    const room = freshRoom();
    const tap = await tapOf(room);
    expect(await tap.nextData()).toEqual({ type: "ready", room, seq: 0 });
  });

  it("is refused without an admin key: a publish key gets 403, a user token 403, nothing 401", async () => {
    const room = freshRoom();
    expect(await errorOf((await openTap(room, apiKey("pubacme"))).res)).toMatchObject({
      status: 403,
      code: "forbidden",
    });
    const token = await signToken({ sub: "ann", scope: "subscribe publish presence" });
    expect(await errorOf((await openTap(room, token)).res)).toMatchObject({ status: 403, code: "forbidden" });
    expect(await errorOf(await request(`/v1/admin/rooms/${room}/tap`))).toMatchObject({
      status: 401,
      code: "missing_token",
    });
  });

  it(`feeds at most ${MAX_TAPS_PER_ROOM} taps of one room, and takes a new one when one closes`, async () => {
    const room = freshRoom();
    const taps: TapReader[] = [];
    for (let i = 0; i < MAX_TAPS_PER_ROOM; i++) {
      const tap = await tapOf(room);
      await tap.next();
      taps.push(tap);
    }
    const { res } = await openTap(room, admin);
    expect(await errorOf(res)).toMatchObject({ status: 429, code: "too_many_connections" });
    await taps[0]?.close();
    // The room learns of the close when the Worker's end of the socket is closed: soon, not at once.
    await waitFor(
      "the room to take a tap again",
      async () => {
        const attempt = await openTap(room, admin);
        if (attempt.res.status === 200) open.push(attempt.tap);
        else await attempt.res.body?.cancel();
        return attempt.res.status === 200;
      },
      2_000,
    );
  });
});
