// The gateway as a user meets it: `wrangler dev` on a loopback port, real `ws` clients, HTTP
// publishes, and every credential made by the operator scripts in scripts/.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { accepted, attemptUpgrade, Clients, type ConnectOptions, freshRoom, publishHttp } from "./support/client.ts";
import { type Gateway, startGateway } from "./support/gateway.ts";

let gw: Gateway | undefined;
const clients = new Clients();
const tokens = { alice: "", bob: "", carol: "", dave: "", erin: "", viewer: "", granted: "", foreign: "" };
/** Rooms the `granted` token's `--rooms` names: one exactly, the others by prefix. */
const grant = { exact: freshRoom(), prefix: `${freshRoom()}-` };

function gateway(): Gateway {
  if (gw === undefined) throw new Error("the gateway did not start");
  return gw;
}

const wsUrl = (room: string, query = "") => gateway().dev.wsUrl(`/v1/rooms/${room}/ws${query}`);
const bearer = (token: string): ConnectOptions => ({ headers: { authorization: `Bearer ${token}` } });
const join = (room: string, token: string) => clients.connect(wsUrl(room), bearer(token));
const acmeKey = () => gateway().op.keys.acme;
const globexKey = () => gateway().op.keys.globex;
const publish = (room: string, key: string, body: Parameters<typeof publishHttp>[3]) =>
  publishHttp(gateway().dev.baseUrl, room, key, body);

beforeAll(async () => {
  // Tokens are minted by the script while wrangler dev starts.
  gw = await startGateway(async (op) => {
    const minted = await Promise.all([
      op.token({ tenant: "acme", sub: "alice" }),
      op.token({ tenant: "acme", sub: "bob" }),
      op.token({ tenant: "globex", sub: "carol" }),
      op.token({ tenant: "acme", sub: "dave" }),
      op.token({ tenant: "acme", sub: "erin" }),
      op.token({ tenant: "acme", sub: "viewer", scope: "subscribe" }),
      op.token({ tenant: "acme", sub: "alice", rooms: `${grant.exact},${grant.prefix}*` }),
      op.foreignToken({ tenant: "acme", sub: "mallory" }),
    ]);
    const [alice, bob, carol, dave, erin, viewer, granted, foreign] = minted;
    Object.assign(tokens, { alice, bob, carol, dave, erin, viewer, granted, foreign });
  });
});

afterEach(() => clients.closeAll());

afterAll(async () => {
  await clients.closeAll();
  await gw?.dev.dispose();
});

describe("wrangler dev started by the harness", () => {
  it("answers GET /health with ok", async () => {
    const res = await fetch(`${gateway().dev.baseUrl}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });
});

describe("HTTP publish with an API key made by scripts/create-api-key.ts", () => {
  it("reaches every acme client in the room, numbered one by one and stamped with the key id", async () => {
    const room = freshRoom();
    const alice = await join(room, tokens.alice);
    const bob = await join(room, tokens.bob);
    expect(alice.welcome).toEqual({ type: "welcome", connectionId: expect.any(String), room, user: "alice", seq: 0 });
    expect(bob.welcome).toMatchObject({ room, user: "bob", seq: 0 });
    expect(bob.connectionId).not.toBe(alice.connectionId);

    const first = accepted(await publish(room, acmeKey().key, { event: "news", payload: { n: 1 } }));
    const second = accepted(await publish(room, acmeKey().key, { event: "news", payload: { n: 2 } }));
    expect(first).toMatchObject({ seq: 1, delivered: 2 });
    expect(second).toMatchObject({ seq: 2, delivered: 2 });
    expect(second.id).not.toBe(first.id);

    for (const { socket } of [alice, bob]) {
      const m1 = await socket.message("news");
      const m2 = await socket.message("news");
      const sender = { kind: "api_key", id: acmeKey().record.id };
      expect(m1).toEqual({
        type: "message",
        id: first.id,
        seq: 1,
        room,
        event: "news",
        payload: { n: 1 },
        sender,
        ts: expect.any(Number),
      });
      expect(m2).toMatchObject({ id: second.id, seq: 2, payload: { n: 2 }, sender });
    }
  });

  it("keeps the same room name in two tenants apart: globex's carol gets nothing of acme's", async () => {
    const room = freshRoom();
    const alice = await join(room, tokens.alice);
    const bob = await join(room, tokens.bob);
    const carol = await join(room, tokens.carol);
    expect(carol.welcome).toMatchObject({ room, user: "carol", seq: 0 });

    expect(accepted(await publish(room, acmeKey().key, { event: "acme-only", payload: "secret" }))).toMatchObject({
      seq: 1,
      delivered: 2,
    });
    await alice.socket.message("acme-only");
    await bob.socket.message("acme-only");
    // Globex's room of the same name has its own numbering and only carol in it.
    expect(accepted(await publish(room, globexKey().key, { event: "globex-marker", payload: null }))).toMatchObject({
      seq: 1,
      delivered: 1,
    });
    const atCarol = await carol.socket.messagesBefore("globex-marker");
    expect(atCarol.before).toEqual([]);
    expect(atCarol.marker).toMatchObject({ seq: 1, sender: { kind: "api_key", id: globexKey().record.id } });

    accepted(await publish(room, acmeKey().key, { event: "acme-marker", payload: null }));
    const atAlice = await alice.socket.messagesBefore("acme-marker");
    expect(atAlice.before).toEqual([]);
    expect(atAlice.marker.seq).toBe(2);
  });

  it("accepts the key in X-API-Key as well", async () => {
    const room = freshRoom();
    const alice = await join(room, tokens.alice);
    const answer = await publishHttp(
      gateway().dev.baseUrl,
      room,
      acmeKey().key,
      { event: "via-header", payload: 1 },
      "x-api-key",
    );
    expect(accepted(answer)).toMatchObject({ seq: 1, delivered: 1 });
    expect(await alice.socket.message("via-header")).toMatchObject({
      sender: { kind: "api_key", id: acmeKey().record.id },
    });
  });
});

describe("targeted delivery", () => {
  it("sends to.users to every socket of those users and to no one else", async () => {
    const room = freshRoom();
    const alice1 = await join(room, tokens.alice);
    const alice2 = await join(room, tokens.alice);
    const bob = await join(room, tokens.bob);

    const targeted = accepted(
      await publish(room, acmeKey().key, { event: "for-alice", payload: {}, to: { users: ["alice"] } }),
    );
    expect(targeted).toMatchObject({ seq: 1, delivered: 2 });
    expect(await alice1.socket.message("for-alice")).toMatchObject({ id: targeted.id, seq: 1 });
    expect(await alice2.socket.message("for-alice")).toMatchObject({ id: targeted.id, seq: 1 });

    accepted(await publish(room, acmeKey().key, { event: "marker", payload: {} }));
    const atBob = await bob.socket.messagesBefore("marker");
    expect(atBob.before).toEqual([]);
    // The targeted message still took its place in the room's sequence.
    expect(atBob.marker.seq).toBe(2);
  });

  it("sends to.connections only to the connection ids given, taken from their welcome", async () => {
    const room = freshRoom();
    const alice = await join(room, tokens.alice);
    const bob = await join(room, tokens.bob);
    const dave = await join(room, tokens.dave);

    const targeted = accepted(
      await publish(room, acmeKey().key, {
        event: "for-bob",
        payload: {},
        to: { connections: [bob.connectionId] },
      }),
    );
    expect(targeted).toMatchObject({ seq: 1, delivered: 1 });
    expect(await bob.socket.message("for-bob")).toMatchObject({ id: targeted.id });

    accepted(await publish(room, acmeKey().key, { event: "marker", payload: {} }));
    for (const other of [alice, dave]) expect((await other.socket.messagesBefore("marker")).before).toEqual([]);
  });

  it("leaves out exclude.connections from a broadcast", async () => {
    const room = freshRoom();
    const alice = await join(room, tokens.alice);
    const bob = await join(room, tokens.bob);
    const dave = await join(room, tokens.dave);

    const sent = accepted(
      await publish(room, acmeKey().key, {
        event: "not-alice",
        payload: {},
        exclude: { connections: [alice.connectionId] },
      }),
    );
    expect(sent).toMatchObject({ seq: 1, delivered: 2 });
    await bob.socket.message("not-alice");
    await dave.socket.message("not-alice");

    accepted(await publish(room, acmeKey().key, { event: "marker", payload: {} }));
    expect((await alice.socket.messagesBefore("marker")).before).toEqual([]);
  });
});

describe("client publish over the WebSocket", () => {
  it("acks a publish that carries a ref and delivers it stamped with the user's sub", async () => {
    const room = freshRoom();
    const alice = await join(room, tokens.alice);
    const bob = await join(room, tokens.bob);

    alice.socket.send({ type: "publish", event: "chat", payload: { text: "hi" }, ref: "r-1" });
    const ack = await alice.socket.nextOfType("ack");
    expect(ack).toEqual({ type: "ack", ref: "r-1", id: expect.any(String), seq: 1, delivered: 2 });
    for (const { socket } of [alice, bob]) {
      expect(await socket.message("chat")).toMatchObject({
        id: ack.id,
        seq: 1,
        room,
        payload: { text: "hi" },
        sender: { kind: "user", id: "alice" },
      });
    }
  });

  it("rejects a forged sender with invalid_message, delivers it to no one, and keeps serving", async () => {
    const room = freshRoom();
    const alice = await join(room, tokens.alice);
    const bob = await join(room, tokens.bob);

    alice.socket.send({
      type: "publish",
      event: "forged",
      payload: {},
      sender: { kind: "api_key", id: acmeKey().record.id },
      ref: "f-1",
    });
    expect(await alice.socket.nextOfType("error")).toEqual({
      type: "error",
      code: "invalid_message",
      message: expect.any(String),
      ref: "f-1",
    });

    // The socket that erred still publishes, and the other client still receives.
    alice.socket.send({ type: "publish", event: "after-forgery", payload: {}, ref: "ok-1" });
    expect(await alice.socket.nextOfType("ack")).toMatchObject({ ref: "ok-1", seq: 1 });
    const atBob = await bob.socket.messagesBefore("after-forgery");
    expect(atBob.before).toEqual([]);
    expect(atBob.marker).toMatchObject({ seq: 1, sender: { kind: "user", id: "alice" } });
    expect(alice.socket.closed).toBeUndefined();
  });

  it("answers a frame that is not JSON with invalid_json and keeps the socket open", async () => {
    const room = freshRoom();
    const alice = await join(room, tokens.alice);
    alice.socket.send("{not json");
    expect(await alice.socket.nextOfType("error")).toMatchObject({ code: "invalid_json" });
    alice.socket.send({ type: "publish", event: "still-here", payload: 1, ref: 7 });
    expect(await alice.socket.nextOfType("ack")).toMatchObject({ ref: 7, seq: 1, delivered: 1 });
  });

  // The runtime hands a hibernatable socket frames of up to 32 MiB (a larger one closes it with
  // 1009): the room's own limit is what refuses them (SECURITY.md, "WebSocket frame size").
  it("lets a 2 MB frame reach the room, which refuses it by its own limit and keeps the socket", async () => {
    const room = freshRoom();
    const alice = await join(room, tokens.alice);
    alice.socket.send(`{"type":"publish","event":"big","ref":1,"payload":"${"x".repeat(2_000_000)}"}`);
    expect(await alice.socket.nextOfType("error")).toMatchObject({ code: "payload_too_large" });
    alice.socket.send({ type: "publish", event: "after-big", payload: 1, ref: 2 });
    expect(await alice.socket.nextOfType("ack")).toMatchObject({ ref: 2, seq: 1 });
  });

  it("refuses a publish from a subscribe-only token with forbidden and delivers nothing", async () => {
    const room = freshRoom();
    const viewer = await join(room, tokens.viewer);
    const alice = await join(room, tokens.alice);

    viewer.socket.send({ type: "publish", event: "sneaky", payload: {}, ref: "v-1" });
    expect(await viewer.socket.nextOfType("error")).toMatchObject({ code: "forbidden", ref: "v-1" });

    alice.socket.send({ type: "publish", event: "marker", payload: {} });
    const atViewer = await viewer.socket.messagesBefore("marker");
    expect(atViewer.before).toEqual([]);
    expect(atViewer.marker.seq).toBe(1);
  });
});

describe("token carriers on the upgrade (tokens from scripts/mint-token.ts)", () => {
  const carriers: {
    name: string;
    sub: "dave" | "erin" | "bob";
    connect: (room: string) => ConnectOptions & { query?: string };
  }[] = [
    { name: "Authorization: Bearer", sub: "dave", connect: () => bearer(tokens.dave) },
    {
      name: "the bearer.<jwt> subprotocol",
      sub: "erin",
      connect: () => ({ protocols: ["broadcast.v1", `bearer.${tokens.erin}`] }),
    },
    { name: "?access_token=", sub: "bob", connect: () => ({ query: `?access_token=${tokens.bob}` }) },
  ];

  it.each(carriers)("connects with the token in $name and receives messages", async ({ sub, connect }) => {
    const room = freshRoom();
    const { query, ...options } = connect(room);
    const client = await clients.connect(wsUrl(room, query), options);
    expect(client.welcome).toMatchObject({ room, user: sub, seq: 0 });
    // The gateway answers with broadcast.v1 exactly when the client offered it.
    expect(client.socket.ws.protocol).toBe(options.protocols === undefined ? "" : "broadcast.v1");
    accepted(await publish(room, acmeKey().key, { event: "hello", payload: sub }));
    expect(await client.socket.message("hello")).toMatchObject({ payload: sub });
  });

  it("prefers the header, then the subprotocol, then the query string", async () => {
    const room = freshRoom();
    const all = await clients.connect(wsUrl(room, `?access_token=${tokens.bob}`), {
      headers: { authorization: `Bearer ${tokens.dave}` },
      protocols: ["broadcast.v1", `bearer.${tokens.erin}`],
    });
    expect(all.welcome.user).toBe("dave");
    const noHeader = await clients.connect(wsUrl(room, `?access_token=${tokens.bob}`), {
      protocols: ["broadcast.v1", `bearer.${tokens.erin}`],
    });
    expect(noHeader.welcome.user).toBe("erin");
  });
});

describe("refused upgrades", () => {
  it.each([
    { why: "no token", code: "missing_token", options: (): ConnectOptions => ({}) },
    { why: "a token that is not a JWT", code: "invalid_token", options: () => bearer("not-a-jwt") },
    {
      why: "a token signed with another secret",
      code: "invalid_signature",
      options: () => bearer(tokens.foreign),
    },
  ])("answers 401 $code for $why", async ({ code, options }) => {
    const refused = await clients.refused(wsUrl(freshRoom()), options());
    expect(refused).toEqual({
      status: 401,
      contentType: expect.stringContaining("application/json"),
      body: { error: { code, message: expect.any(String) } },
    });
  });

  // Over a real network, as Node's and browsers' WebSocket meet it (PROTOCOL.md, "Refused upgrades").
  it("tells a client that offered broadcast.v1 why, in the socket: one error frame, then close 4401", async () => {
    const outcome = await attemptUpgrade(wsUrl(freshRoom()), {
      protocols: ["broadcast.v1", `bearer.${tokens.foreign}`],
    });
    if (outcome.kind !== "open") throw new Error(`expected 101, got ${outcome.status}`);
    expect(outcome.socket.ws.protocol).toBe("broadcast.v1");
    const closed = await outcome.socket.waitClosed();
    expect(closed).toEqual({ code: 4401, reason: "invalid_signature" });
    expect(outcome.socket.frames).toEqual([{ type: "error", code: "invalid_signature", message: expect.any(String) }]);
  });

  it("answers 403 forbidden for a room the token's --rooms does not grant", async () => {
    expect((await join(grant.exact, tokens.granted)).welcome).toMatchObject({ room: grant.exact, user: "alice" });
    const byPrefix = `${grant.prefix}red`;
    expect((await join(byPrefix, tokens.granted)).welcome).toMatchObject({ room: byPrefix });
    const refused = await clients.refused(wsUrl(freshRoom()), bearer(tokens.granted));
    expect(refused).toMatchObject({ status: 403, body: { error: { code: "forbidden", message: expect.any(String) } } });
  });
});

// Last: it restarts the server under every other test's feet.
describe("restart on the same --persist-to directory", () => {
  it("closes live sockets on stop and continues the room's seq after start", async () => {
    const { dev } = gateway();
    const room = freshRoom();
    const alice = await join(room, tokens.alice);
    expect(accepted(await publish(room, acmeKey().key, { event: "before", payload: 1 })).seq).toBe(1);
    await alice.socket.message("before");

    await dev.stop();
    await alice.socket.waitClosed();
    await dev.start();

    const again = await join(room, tokens.alice);
    expect(again.welcome.seq).toBe(1);
    expect(accepted(await publish(room, acmeKey().key, { event: "after", payload: 2 }))).toMatchObject({
      seq: 2,
      delivered: 1,
    });
    expect(await again.socket.message("after")).toMatchObject({ seq: 2 });
  });
});
