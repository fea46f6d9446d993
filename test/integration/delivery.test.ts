// Who receives what: broadcast and targeted delivery on both publish paths, sender stamping, acks,
// numbering and tenant isolation. Absence is proven without sleeping: a later broadcast marker must
// be the next message a non-target sees.
import { beforeAll, describe, expect, it } from "vitest";
import type { Exclude, Target } from "../../src/wire.ts";
import { connect, errorOf, freshRoom, join, nextMessage, publishHttp, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { signToken, uniqueSub } from "../support/tokens.ts";

beforeAll(warmUp, WARM_UP_MS);

/** alice on two connections, bob and carol on one each. */
async function roomOfFour(room: string) {
  const alice = uniqueSub("alice");
  const a1 = await join(room, alice);
  const a2 = await join(room, alice);
  const b1 = await join(room, uniqueSub("bob"));
  const c1 = await join(room, uniqueSub("carol"));
  return { a1, a2, b1, c1 };
}
type Four = Awaited<ReturnType<typeof roomOfFour>>;
type Name = keyof Four;
const NAMES: Name[] = ["a1", "a2", "b1", "c1"];

const httpPublisher = (tenant = "acme") => signToken({ sub: uniqueSub("pub"), tenant, scope: "publish" });

async function broadcastMarker(room: string, event: string, tenant = "acme") {
  const res = await publishHttp(room, await httpPublisher(tenant), { event, payload: null });
  expect(res.status).toBe(202);
}

/** Proves that exactly `expected` got `event`: each socket's next messages are [event?, marker]. */
async function expectDelivered(room: string, members: Four, event: string, expected: Name[]) {
  await broadcastMarker(room, `${event}-marker`);
  for (const name of NAMES) {
    const socket = members[name].socket;
    if (expected.includes(name)) expect((await nextMessage(socket)).event, `${name} gets ${event}`).toBe(event);
    expect((await nextMessage(socket)).event, `${name} gets nothing else before the marker`).toBe(`${event}-marker`);
  }
}

type Case = { name: string; to?: (m: Four) => Target; exclude?: (m: Four) => Exclude; expected: Name[] };
const cases: Case[] = [
  { name: "a broadcast reaches everyone", expected: ["a1", "a2", "b1", "c1"] },
  { name: "to.users reaches only that user", to: (m) => ({ users: [m.b1.sub] }), expected: ["b1"] },
  { name: "to.users reaches every connection of the user", to: (m) => ({ users: [m.a1.sub] }), expected: ["a1", "a2"] },
  {
    name: "to.connections reaches exactly those connections",
    to: (m) => ({ connections: [m.a2.connectionId, m.c1.connectionId] }),
    expected: ["a2", "c1"],
  },
  {
    name: "exclude.connections removes a connection from a user target",
    to: (m) => ({ users: [m.a1.sub] }),
    exclude: (m) => ({ connections: [m.a1.connectionId] }),
    expected: ["a2"],
  },
  {
    name: "exclude.connections removes a connection from a broadcast",
    exclude: (m) => ({ connections: [m.b1.connectionId] }),
    expected: ["a1", "a2", "c1"],
  },
  {
    name: "a socket named as user and as connection gets the message once",
    to: (m) => ({ users: [m.b1.sub], connections: [m.b1.connectionId] }),
    expected: ["b1"],
  },
  { name: "an empty target reaches nobody", to: () => ({}), expected: [] },
  { name: "a target that is not in the room reaches nobody", to: () => ({ users: ["nobody-here"] }), expected: [] },
];

describe("targeted delivery over HTTP", () => {
  for (const c of cases) {
    it(`${c.name}, and delivered counts the sockets`, async () => {
      const room = freshRoom();
      const m = await roomOfFour(room);
      const body = { event: "targeted", payload: { x: 1 }, to: c.to?.(m), exclude: c.exclude?.(m) };
      const res = await publishHttp(room, await httpPublisher(), body);
      expect(res.status).toBe(202);
      expect(await res.json()).toMatchObject({ delivered: c.expected.length });
      await expectDelivered(room, m, "targeted", c.expected);
    });
  }
});

describe("targeted delivery over the WebSocket", () => {
  for (const c of cases) {
    it(`${c.name}, and the ack counts the sockets`, async () => {
      const room = freshRoom();
      const m = await roomOfFour(room);
      m.c1.socket.send({
        type: "publish",
        event: "targeted",
        payload: { x: 1 },
        to: c.to?.(m),
        exclude: c.exclude?.(m),
        ref: "t",
      });
      expect(await m.c1.socket.nextOfType("ack")).toMatchObject({ ref: "t", delivered: c.expected.length });
      await expectDelivered(room, m, "targeted", c.expected);
    });
  }
});

describe("sender stamping", () => {
  it("stamps a client publish with the connection's own sub", async () => {
    const room = freshRoom();
    const m = await roomOfFour(room);
    m.b1.socket.send({ type: "publish", event: "hi", payload: "from bob" });
    for (const name of NAMES)
      expect(await nextMessage(m[name].socket)).toMatchObject({
        event: "hi",
        payload: "from bob",
        room,
        sender: { kind: "user", id: m.b1.sub },
      });
  });

  it("refuses a client frame with a forged sender as invalid_message, and nobody receives it", async () => {
    const room = freshRoom();
    const m = await roomOfFour(room);
    m.b1.socket.send({
      type: "publish",
      event: "forged",
      payload: 1,
      sender: { kind: "api_key", id: "adminacme" },
      ref: "f1",
    });
    expect(await m.b1.socket.nextOfType("error")).toMatchObject({ code: "invalid_message", ref: "f1" });
    await expectDelivered(room, m, "forged", []);
  });

  it("refuses a client frame that forges seq or id, and nobody receives it", async () => {
    const room = freshRoom();
    const m = await roomOfFour(room);
    m.b1.socket.send({ type: "publish", event: "forged", payload: 1, seq: 1000 });
    expect(await m.b1.socket.nextOfType("error")).toMatchObject({ code: "invalid_message" });
    m.b1.socket.send({ type: "publish", event: "forged", payload: 1, id: "my-own-id" });
    expect(await m.b1.socket.nextOfType("error")).toMatchObject({ code: "invalid_message" });
    await expectDelivered(room, m, "forged", []);
  });

  it("refuses an HTTP body with a sender field as invalid_body, and nobody receives it", async () => {
    const room = freshRoom();
    const m = await roomOfFour(room);
    const res = await publishHttp(room, await httpPublisher(), {
      event: "forged",
      payload: 1,
      sender: { kind: "user", id: m.a1.sub },
    });
    expect(await errorOf(res)).toMatchObject({ status: 400, code: "invalid_body" });
    await expectDelivered(room, m, "forged", []);
  });
});

describe("acks and numbering", () => {
  it("acks a client publish that carries a ref with the message's id, seq and delivered count", async () => {
    const room = freshRoom();
    const sender = await join(room, uniqueSub("sender"));
    const listener = await join(room, uniqueSub("listener"));
    sender.socket.send({ type: "publish", event: "e", payload: 1, ref: "abc" });
    const ack = await sender.socket.nextOfType("ack");
    const message = await nextMessage(listener.socket);
    expect(ack).toEqual({ type: "ack", ref: "abc", id: message.id, seq: message.seq, delivered: 2 });
    expect(message.seq).toBe(1);
  });

  it("echoes a numeric ref as a number", async () => {
    const room = freshRoom();
    const sender = await join(room, uniqueSub());
    sender.socket.send({ type: "publish", event: "e", payload: 1, ref: 42 });
    expect(await sender.socket.nextOfType("ack")).toMatchObject({ ref: 42, seq: 1, delivered: 1 });
  });

  it("sends no ack for a publish without a ref", async () => {
    const room = freshRoom();
    const sender = await join(room, uniqueSub());
    sender.socket.send({ type: "publish", event: "no-ref", payload: 1 });
    sender.socket.send({ type: "publish", event: "with-ref", payload: 1, ref: "second" });
    // The frames answer in order: the only ack is the second publish's.
    expect(await sender.socket.nextOfType("ack")).toMatchObject({ ref: "second", seq: 2 });
    expect(sender.socket.frames.filter((f) => f.type === "ack")).toEqual([]);
  });

  it("numbers messages from both paths consecutively from 1, each with a unique id", async () => {
    const room = freshRoom();
    const member = await join(room, uniqueSub());
    for (let i = 0; i < 3; i++) {
      expect((await publishHttp(room, await httpPublisher(), { event: `http-${i}`, payload: i })).status).toBe(202);
      member.socket.send({ type: "publish", event: `ws-${i}`, payload: i });
    }
    const messages = [];
    for (let i = 0; i < 6; i++) messages.push(await nextMessage(member.socket));
    expect(messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(new Set(messages.map((m) => m.id)).size).toBe(6);
  });

  it("welcomes a new connection with the room's last seq", async () => {
    const room = freshRoom();
    const first = await join(room, uniqueSub());
    for (let i = 0; i < 3; i++) await broadcastMarker(room, `m${i}`);
    expect((await nextMessage(first.socket)).seq).toBe(1);
    const { welcome } = await connect(room, await signToken({ sub: uniqueSub() }));
    expect(welcome.seq).toBe(3);
  });

  it("does not number a refused message", async () => {
    const room = freshRoom();
    const member = await join(room, uniqueSub());
    member.socket.send({ type: "publish", event: "", payload: 1 });
    expect(await member.socket.nextOfType("error")).toMatchObject({ code: "invalid_message" });
    expect(await errorOf(await publishHttp(room, await httpPublisher(), { event: "e" }))).toMatchObject({
      code: "invalid_body",
    });
    await broadcastMarker(room, "after");
    expect(await nextMessage(member.socket)).toMatchObject({ event: "after", seq: 1 });
  });
});

describe("tenant isolation", () => {
  it("keeps the same room name in two tenants apart on both publish paths", async () => {
    const room = freshRoom();
    const acme = await join(room, uniqueSub("a"), { tenant: "acme" });
    const globex = await join(room, uniqueSub("g"), { tenant: "globex" });

    expect((await publishHttp(room, await httpPublisher("acme"), { event: "acme-http", payload: 1 })).status).toBe(202);
    acme.socket.send({ type: "publish", event: "acme-ws", payload: 2, to: { users: [globex.sub] }, ref: "x" });
    expect(await acme.socket.nextOfType("ack")).toMatchObject({ seq: 2, delivered: 0 });

    await broadcastMarker(room, "globex-marker", "globex");
    expect(await nextMessage(globex.socket)).toMatchObject({ event: "globex-marker", seq: 1 });
    await broadcastMarker(room, "acme-marker", "acme");
    expect(await nextMessage(acme.socket)).toMatchObject({ event: "acme-http", seq: 1 });
    expect(await nextMessage(acme.socket)).toMatchObject({ event: "acme-marker", seq: 3 });
  });

  it("never lets a token of one tenant target a connection of another", async () => {
    const room = freshRoom();
    const acme = await join(room, uniqueSub(), { tenant: "acme" });
    const globex = await join(room, uniqueSub(), { tenant: "globex" });
    const res = await publishHttp(room, await httpPublisher("acme"), {
      event: "cross",
      payload: 1,
      to: { connections: [globex.connectionId] },
    });
    expect(await res.json()).toMatchObject({ delivered: 0 });
    await broadcastMarker(room, "globex-marker", "globex");
    expect(await nextMessage(globex.socket)).toMatchObject({ event: "globex-marker" });
    acme.socket.close();
  });
});
