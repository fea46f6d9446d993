import { evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { connect, freshRoom, publishHttp, request, roomStubOf } from "../support/gateway.ts";
import { apiKey, signToken } from "../support/tokens.ts";

const presenceOf = async (room: string) =>
  (await (await request(`/v1/rooms/${room}/presence`, { headers: { "x-api-key": apiKey("presacme") } })).json()) as {
    connections: number;
    users: { id: string; connections: number }[];
  };

describe("token expiry", () => {
  it("closes a socket with 4001 when its token expires, even while the object hibernates", async () => {
    const room = freshRoom();
    const { socket } = await connect(room, await signToken({ sub: "short", expiresIn: 3 }));
    const { socket: other } = await connect(room, await signToken({ sub: "long" }));
    await evictDurableObject(roomStubOf(room), { webSockets: "hibernate" });
    // Running the alarm early closes nothing: it re-arms for the real expiry.
    await runDurableObjectAlarm(roomStubOf(room));
    expect(socket.closed).toBeUndefined();
    expect(await socket.waitClosed(10_000)).toEqual({ code: 4001, reason: "token_expired" });
    expect(other.closed).toBeUndefined();
  });
});

describe("token refresh", () => {
  it("extends the connection with a new token for the same user", async () => {
    const room = freshRoom();
    const { socket } = await connect(room, await signToken({ sub: "renew", expiresIn: 60 }));
    const fresh = await signToken({ sub: "renew", expiresIn: 7_200 });
    socket.send({ type: "refresh", token: fresh });
    const refreshed = await socket.nextOfType("refreshed");
    expect(refreshed.exp).toBeGreaterThan(Date.now() / 1000 + 7_000);
  });

  it("takes the new token's scopes", async () => {
    const room = freshRoom();
    const { socket } = await connect(room, await signToken({ sub: "upgrader", scope: "subscribe" }));
    socket.send({ type: "publish", event: "e", payload: 1, ref: "before" });
    expect(await socket.nextOfType("error")).toMatchObject({ code: "forbidden", ref: "before" });
    socket.send({ type: "refresh", token: await signToken({ sub: "upgrader", scope: "subscribe publish" }) });
    await socket.nextOfType("refreshed");
    socket.send({ type: "publish", event: "e", payload: 1, ref: "after" });
    expect(await socket.nextOfType("ack")).toMatchObject({ ref: "after" });
  });

  it("refuses a token for another user or tenant and keeps the old expiry", async () => {
    const room = freshRoom();
    const { socket } = await connect(room, await signToken({ sub: "victim", expiresIn: 1 }));
    socket.send({ type: "refresh", token: await signToken({ sub: "mallory", expiresIn: 7_200 }) });
    expect(await socket.nextOfType("error")).toMatchObject({ code: "forbidden" });
    socket.send({ type: "refresh", token: await signToken({ sub: "victim", tenant: "globex", expiresIn: 7_200 }) });
    expect(await socket.nextOfType("error")).toMatchObject({ code: "forbidden" });
    expect((await socket.waitClosed(5_000)).code).toBe(4001);
  });

  it("refuses an invalid token with its precise code", async () => {
    const { socket } = await connect(freshRoom(), await signToken({ sub: "tamper" }));
    socket.send({ type: "refresh", token: await signToken({ sub: "tamper", expiresIn: -60 }) });
    expect(await socket.nextOfType("error")).toMatchObject({ code: "token_expired" });
    socket.send({ type: "refresh", token: "not.a.token" });
    expect(await socket.nextOfType("error")).toMatchObject({ code: "invalid_token" });
  });

  it("refuses a token that no longer grants the room", async () => {
    const room = freshRoom();
    const { socket } = await connect(room, await signToken({ sub: "mover", rooms: [room] }));
    socket.send({ type: "refresh", token: await signToken({ sub: "mover", rooms: ["elsewhere"] }) });
    expect(await socket.nextOfType("error")).toMatchObject({ code: "forbidden" });
  });
});

describe("presence", () => {
  it("counts connections per user", async () => {
    const room = freshRoom();
    await connect(room, await signToken({ sub: "hank" }));
    await connect(room, await signToken({ sub: "hank" }));
    await connect(room, await signToken({ sub: "ivy" }));
    const snapshot = await presenceOf(room);
    expect(snapshot.connections).toBe(3);
    expect(snapshot.users.sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      { id: "hank", connections: 2 },
      { id: "ivy", connections: 1 },
    ]);
  });

  it("sends join and leave to presence subscribers and settles after closes", async () => {
    const room = freshRoom();
    const { socket: watcher } = await connect(
      room,
      await signToken({ sub: "watcher", scope: "subscribe presence" }),
      "?presence=1",
    );
    const { socket: joe, welcome } = await connect(room, await signToken({ sub: "joe" }));
    expect(await watcher.nextOfType("presence")).toEqual({
      type: "presence",
      action: "join",
      user: "joe",
      connectionId: welcome.connectionId,
    });
    joe.close();
    expect(await watcher.nextOfType("presence")).toMatchObject({ action: "leave", user: "joe" });
    expect((await presenceOf(room)).connections).toBe(1);
  });

  it("is readable by a user token with scope presence, not by one without", async () => {
    const room = freshRoom();
    const withScope = await signToken({ sub: "pres", scope: "subscribe presence" });
    const without = await signToken({ sub: "nopres" });
    const ok = await request(`/v1/rooms/${room}/presence`, { headers: { authorization: `Bearer ${withScope}` } });
    expect(ok.status).toBe(200);
    const denied = await request(`/v1/rooms/${room}/presence`, { headers: { authorization: `Bearer ${without}` } });
    expect(denied.status).toBe(403);
  });
});

describe("disconnect (kick)", () => {
  it("closes the user's sockets with 4003 and announces the leave", async () => {
    const room = freshRoom();
    const { socket: watcher } = await connect(
      room,
      await signToken({ sub: "mod", scope: "subscribe presence" }),
      "?presence=1",
    );
    const { socket: a } = await connect(room, await signToken({ sub: "troll" }));
    const { socket: b } = await connect(room, await signToken({ sub: "troll" }));
    const { socket: bystander } = await connect(room, await signToken({ sub: "nice" }));
    const res = await request(`/v1/rooms/${room}/disconnect`, {
      method: "POST",
      headers: { "x-api-key": apiKey("adminacme"), "content-type": "application/json" },
      body: JSON.stringify({ users: ["troll"] }),
    });
    expect(await res.json()).toEqual({ disconnected: 2 });
    expect((await a.waitClosed()).code).toBe(4003);
    expect((await b.waitClosed()).code).toBe(4003);
    const leaves = [await watcher.next((f) => f.action === "leave"), await watcher.next((f) => f.action === "leave")];
    expect(leaves.map((f) => f.user)).toEqual(["troll", "troll"]);
    await publishHttp(room, apiKey("pubacme"), { event: "still-here", payload: null });
    expect(await bystander.nextOfType("message")).toMatchObject({ event: "still-here" });
  });

  it("closes one connection by id", async () => {
    const room = freshRoom();
    const { socket: one, welcome } = await connect(room, await signToken({ sub: "twice" }));
    const { socket: two } = await connect(room, await signToken({ sub: "twice" }));
    const res = await request(`/v1/rooms/${room}/disconnect`, {
      method: "POST",
      headers: { "x-api-key": apiKey("adminacme"), "content-type": "application/json" },
      body: JSON.stringify({ connections: [welcome.connectionId] }),
    });
    expect(await res.json()).toEqual({ disconnected: 1 });
    expect((await one.waitClosed()).code).toBe(4003);
    expect(two.closed).toBeUndefined();
  });

  it("needs an admin key", async () => {
    const res = await request(`/v1/rooms/${freshRoom()}/disconnect`, {
      method: "POST",
      headers: { "x-api-key": apiKey("pubacme"), "content-type": "application/json" },
      body: JSON.stringify({ users: ["x"] }),
    });
    expect(res.status).toBe(403);
  });
});
