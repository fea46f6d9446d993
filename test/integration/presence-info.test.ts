// Presence with member data: a token's `info` claim (a JSON object of at most 1 KiB serialized)
// travels with the member in join frames and in GET …/presence, from the user's most recently
// opened connection; a refresh that changes it tells the watchers with an `update` frame.
import { beforeAll, describe, expect, it } from "vitest";
import { connect, errorOf, freshRoom, request, upgrade, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { apiKey, signToken, uniqueSub } from "../support/tokens.ts";

beforeAll(warmUp, WARM_UP_MS);

const watcherToken = () => signToken({ sub: uniqueSub("watcher"), scope: "subscribe presence" });
const tokenWith = (sub: string, info: unknown) => signToken({ sub, claims: { info } });

async function presence(room: string) {
  const res = await request(`/v1/rooms/${room}/presence`, { headers: { "x-api-key": apiKey("presacme") } });
  expect(res.status).toBe(200);
  return (await res.json()) as { connections: number; users: { id: string; connections: number; info?: unknown }[] };
}

describe("a token's info claim in presence", () => {
  it("comes with the member's join frame, and GET …/presence shows it from the most recent connection", async () => {
    const room = freshRoom();
    const watcher = await connect(room, await watcherToken(), "?presence=1");
    const sub = uniqueSub("ann");
    const first = { name: "Ann", avatar: "https://example.test/a.png", tags: ["x", { deep: null }] };
    const ann = await connect(room, await tokenWith(sub, first));
    expect(await watcher.socket.nextOfType("presence")).toEqual({
      type: "presence",
      action: "join",
      user: sub,
      connectionId: ann.welcome.connectionId,
      info: first,
    });
    const later = { name: "Ann (phone)" };
    await connect(room, await tokenWith(sub, later));
    const bob = uniqueSub("bob");
    await connect(room, await signToken({ sub: bob }));
    const snapshot = await presence(room);
    expect(snapshot.users).toContainEqual({ id: sub, connections: 2, info: later });
    expect(snapshot.users).toContainEqual({ id: bob, connections: 1 });
    expect(await watcher.socket.nextOfType("presence")).toMatchObject({ action: "join", user: sub, info: later });
    const bobJoin = await watcher.socket.nextOfType("presence");
    expect(bobJoin).toMatchObject({ action: "join", user: bob });
    expect(bobJoin).not.toHaveProperty("info");
  });

  it("leaves info out of a leave frame", async () => {
    const room = freshRoom();
    const watcher = await connect(room, await watcherToken(), "?presence=1");
    const member = await connect(room, await tokenWith(uniqueSub("m"), { n: 1 }));
    await watcher.socket.nextOfType("presence");
    member.socket.close();
    const leave = await watcher.socket.nextOfType("presence");
    expect(leave).toMatchObject({ action: "leave" });
    expect(leave).not.toHaveProperty("info");
  });

  it.each([
    ["larger than 1 KiB serialized", { blob: "x".repeat(1024) }],
    ["an array", [1, 2]],
    ["a string", "Ann"],
    ["null", null],
  ])("refuses a token whose info is %s with 401 invalid_claims, on connect and on publish", async (_name, info) => {
    const room = freshRoom();
    const token = await signToken({ sub: uniqueSub("bad"), scope: "subscribe publish", claims: { info } });
    const res = await upgrade(`/v1/rooms/${room}/ws`, { authorization: `Bearer ${token}` });
    expect(await errorOf(res)).toMatchObject({ status: 401, code: "invalid_claims" });
    const publish = await request(`/v1/rooms/${room}/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ event: "e", payload: 1 }),
    });
    expect(await errorOf(publish)).toMatchObject({ status: 401, code: "invalid_claims" });
  });

  it("accepts info of exactly 1 KiB serialized", async () => {
    const info = { b: "x".repeat(1024 - '{"b":""}'.length) };
    expect(JSON.stringify(info).length).toBe(1024);
    const { welcome } = await connect(freshRoom(), await tokenWith(uniqueSub("edge"), info));
    expect(welcome.type).toBe("welcome");
  });
});

describe("a refresh that changes info", () => {
  it("sends the watchers an update with the new info, and GET …/presence shows it; the same info sends nothing", async () => {
    const room = freshRoom();
    const watcher = await connect(room, await watcherToken(), "?presence=1");
    const sub = uniqueSub("ann");
    const ann = await connect(room, await tokenWith(sub, { status: "here" }));
    await watcher.socket.nextOfType("presence");
    ann.socket.send({ type: "refresh", token: await tokenWith(sub, { status: "away" }) });
    await ann.socket.nextOfType("refreshed");
    expect(await watcher.socket.nextOfType("presence")).toEqual({
      type: "presence",
      action: "update",
      user: sub,
      connectionId: ann.welcome.connectionId,
      info: { status: "away" },
    });
    expect((await presence(room)).users).toContainEqual({ id: sub, connections: 1, info: { status: "away" } });
    ann.socket.send({ type: "refresh", token: await tokenWith(sub, { status: "away" }) });
    await ann.socket.nextOfType("refreshed");
    ann.socket.close();
    // The next presence frame is the leave: the refresh with the same info announced nothing.
    expect(await watcher.socket.nextOfType("presence")).toMatchObject({ action: "leave", user: sub });
  });
});
