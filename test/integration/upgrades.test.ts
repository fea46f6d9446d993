// A deploy reaches a Durable Object when it hibernates: its sockets stay connected and wake on the
// new code, over the rows the old code stored. Each test writes what the version before this one
// wrote (or what a newer one would), evicts the object so its code starts again, and checks that
// the old format is read as it was meant and that a newer one is refused without being touched.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { encodeRoomConnect, IDENTITY_HEADER, ROOM_CONNECT_VERSION } from "../../src/protocol.ts";
import { RPC_VERSION } from "../../src/room/rpc.ts";
import { ATTACHMENT_VERSION } from "../../src/room/sockets/attachment.ts";
import {
  connect,
  errorOf,
  freshRoom,
  nextMessage,
  publishHttp,
  refusal,
  request,
  roomStubOf,
  TestSocket,
  WARM_UP_MS,
  warmUp,
} from "../support/gateway.ts";
import { apiKey, signToken, uniqueSub } from "../support/tokens.ts";

beforeAll(warmUp, WARM_UP_MS);

const admin = { "x-api-key": apiKey("adminacme") };
const publish = (room: string, payload: unknown) => publishHttp(room, apiKey("pubacme"), { event: "e", payload });

/** Rewrites every socket's attachment as `rewrite` says, then restarts the object's code with its sockets hibernated. */
async function rewriteAttachments(room: string, rewrite: (stored: Record<string, unknown>) => unknown): Promise<void> {
  await runInDurableObject(roomStubOf(room), (_i, state) => {
    for (const ws of state.getWebSockets()) ws.serializeAttachment(rewrite(ws.deserializeAttachment()));
  });
  await evictDurableObject(roomStubOf(room), { webSockets: "hibernate" });
}

/** The attachment as the version before wrote it: the member's id under `sub`, no `kind`, `id` or `v`. */
const versionBefore = ({ v: _v, kind: _kind, id: _id, ...v1 }: Record<string, unknown>) => v1;

describe("a socket accepted by the version before", () => {
  it("keeps its identity, publishes, is kicked by user, and has its attachment rewritten in this version's format", async () => {
    const room = freshRoom();
    const sub = uniqueSub("old");
    const { socket } = await connect(room, await signToken({ sub, scope: "subscribe publish" }));
    await rewriteAttachments(room, versionBefore);

    socket.send({ type: "publish", event: "awake", payload: 1, ref: "r" });
    expect(await socket.nextOfType("ack")).toMatchObject({ ref: "r", seq: 1, delivered: 1 });
    expect(await nextMessage(socket)).toMatchObject({ event: "awake", sender: { kind: "user", id: sub } });
    const stored = await runInDurableObject(roomStubOf(room), (_i, state) =>
      state.getWebSockets().map((ws) => ws.deserializeAttachment()),
    );
    // `sub` stays beside `id`: the version before still reads the socket after a rollback.
    expect(stored).toEqual([expect.objectContaining({ v: 2, kind: "user", id: sub, sub })]);

    const kicked = await request(`/v1/rooms/${room}/disconnect`, {
      method: "POST",
      headers: { ...admin, "content-type": "application/json" },
      body: JSON.stringify({ users: [sub] }),
    });
    expect(await kicked.json()).toEqual({ disconnected: 1 });
    expect((await socket.waitClosed()).code).toBe(4003);
  });
});

describe("a socket accepted by a newer version (after a rollback)", () => {
  it("is closed with 1001 so its client reconnects, and every other socket is served as before", async () => {
    const room = freshRoom();
    const newer = await connect(room, await signToken({ sub: uniqueSub("newer") }));
    const current = await connect(room, await signToken({ sub: uniqueSub("current") }));
    const newerId = String(newer.welcome.connectionId);
    await rewriteAttachments(room, (stored) =>
      stored.connectionId === newerId ? { ...stored, v: ATTACHMENT_VERSION + 1 } : stored,
    );

    expect((await publish(room, 1)).status).toBe(202);
    expect(await nextMessage(current.socket)).toMatchObject({ seq: 1 });
    expect(await newer.socket.waitClosed()).toMatchObject({ code: 1001, reason: "gateway version changed" });
    const info = (await (await request(`/v1/admin/rooms/${room}`, { headers: admin })).json()) as {
      connections: number;
    };
    expect(info.connections).toBe(1);
  });
});

describe("a room's history", () => {
  const tables = (room: string) =>
    runInDurableObject(roomStubOf(room), (_i, state) => ({
      meta: state.storage.sql.exec("SELECT key, value FROM meta ORDER BY key").toArray(),
      messages: state.storage.sql.exec<{ seq: number }>("SELECT seq FROM messages ORDER BY seq").toArray(),
    }));

  it("stored by the version before (no format row) is read, and the room goes on numbering", async () => {
    const room = freshRoom();
    for (const n of [1, 2]) expect((await publish(room, n)).status).toBe(202);
    await runInDurableObject(roomStubOf(room), (_i, state) => {
      state.storage.sql.exec("DELETE FROM meta WHERE key = 'version'");
    });
    await evictDurableObject(roomStubOf(room));
    const page = (await (await request(`/v1/rooms/${room}/messages`, { headers: admin })).json()) as {
      messages: { seq: number; payload: unknown }[];
    };
    expect(page.messages.map((m) => [m.seq, m.payload])).toEqual([
      [1, 1],
      [2, 2],
    ]);
    expect(await (await publish(room, 3)).json()).toMatchObject({ seq: 3 });
  });

  it("stored by a newer version is refused with 500 on every path, and left exactly as it was", async () => {
    const room = freshRoom();
    for (const n of [1, 2]) expect((await publish(room, n)).status).toBe(202);
    await runInDurableObject(roomStubOf(room), (_i, state) => {
      state.storage.sql.exec("UPDATE meta SET value = 2 WHERE key = 'version'");
    });
    await evictDurableObject(roomStubOf(room));
    const before = await tables(room);

    expect(await errorOf(await publish(room, 3))).toMatchObject({ status: 500, code: "internal" });
    expect(await errorOf(await request(`/v1/rooms/${room}/messages`, { headers: admin }))).toMatchObject({
      status: 500,
      code: "internal",
    });
    const res = await request(`/v1/rooms/${room}/ws`, {
      headers: { upgrade: "websocket", authorization: `Bearer ${await signToken({ sub: uniqueSub() })}` },
    });
    expect(await errorOf(res)).toMatchObject({ status: 500, code: "internal" });
    expect(await tables(room)).toEqual(before);
  });
});

describe("the upgrade the Worker forwards", () => {
  const member = (sub: string) => ({
    tenant: "acme",
    sub,
    scopes: ["subscribe" as const],
    exp: Math.floor(Date.now() / 1000) + 600,
    presence: false,
    batch: false,
  });

  it("from a Worker of the version before (the member's id under `sub`) is accepted as that user", async () => {
    const room = freshRoom();
    const sub = uniqueSub("v1");
    // Exactly the header the version before wrote: no `v`, no `kind`, no `id`.
    const header = encodeURIComponent(JSON.stringify({ member: { ...member(sub), room }, subprotocol: false }));
    const res = await roomStubOf(room).fetch("https://room/connect", {
      headers: { upgrade: "websocket", [IDENTITY_HEADER]: header },
    });
    if (res.webSocket === null) throw new Error(`upgrade failed: ${res.status} ${await res.text()}`);
    const socket = new TestSocket(res.webSocket);
    expect(await socket.nextOfType("welcome")).toMatchObject({ user: sub });
    expect((await publish(room, 1)).status).toBe(202);
    expect(await nextMessage(socket)).toMatchObject({ seq: 1 });
  });

  it("names the member's id under `sub` too, for a room object still running the version before", () => {
    const { sub: _sub, ...rest } = member("alice");
    const header = encodeRoomConnect({
      member: { ...rest, kind: "user", id: "alice", room: "lobby" },
      subprotocol: false,
    });
    expect(JSON.parse(decodeURIComponent(header))).toMatchObject({
      v: 2,
      member: { kind: "user", id: "alice", sub: "alice" },
    });
  });

  it("from a newer Worker is refused with 500, and no socket is accepted", async () => {
    const room = freshRoom();
    const header = encodeURIComponent(
      JSON.stringify({
        v: ROOM_CONNECT_VERSION + 1,
        member: { ...member("x"), kind: "user", id: "x", room },
        subprotocol: false,
      }),
    );
    const res = await roomStubOf(room).fetch("https://room/connect", {
      headers: { upgrade: "websocket", [IDENTITY_HEADER]: header },
    });
    expect(res.status).toBe(500);
    const sockets = await runInDurableObject(roomStubOf(room), (_i, state) => state.getWebSockets().length);
    expect(sockets).toBe(0);
  });
});

describe("calls between a room's objects", () => {
  it("answer a Worker's disconnect of the version before (no version argument) with the count alone", async () => {
    const room = freshRoom();
    const sub = uniqueSub("kicked");
    await connect(room, await signToken({ sub }));
    expect(await roomStubOf(room).disconnect({ users: [sub] })).toBe(1);
  });

  it("from the version before (no version argument) are answered", async () => {
    const room = freshRoom();
    await connect(room, await signToken({ sub: uniqueSub() }));
    expect(await roomStubOf(room).shardConnections()).toBe(1);
  });

  it("from a newer version are refused with an error that says so, and change nothing", async () => {
    const room = freshRoom();
    await connect(room, await signToken({ sub: uniqueSub() }));
    const newer = RPC_VERSION + 1;
    expect(await refusal(roomStubOf(room).shardDisconnect({ users: ["anyone"] }, newer))).toMatch(
      /newer gateway version/,
    );
    expect(await refusal(roomStubOf(room).feed([], newer))).toMatch(/newer gateway version/);
    expect(await roomStubOf(room).shardConnections(RPC_VERSION)).toBe(1);
  });
});

describe("history reads and revocation checks from a Worker of the version before", () => {
  it("read a user viewer named by `sub`, and a token named by `sub`", async () => {
    const room = freshRoom();
    const sub = uniqueSub("reader");
    const res = await publishHttp(room, apiKey("pubacme"), { event: "dm", payload: 1, to: { users: [sub] } });
    expect(res.status).toBe(202);
    const page = JSON.parse(await roomStubOf(room).history({}, { kind: "user", sub })) as { messages: unknown[] };
    expect(page.messages).toHaveLength(1);

    const tenant = env.TENANTS.get(env.TENANTS.idFromName("acme"));
    const now = Math.floor(Date.now() / 1000);
    await tenant.revoke({ kind: "sub", sub, before: now, keepUntil: now + 60 });
    expect(await tenant.isRevoked({ sub, iat: 1 })).toBe(true);
    expect(await tenant.isRevoked({ sub: uniqueSub(), iat: 1 })).toBe(false);
  });
});

describe("a tenant's tables", () => {
  const tenantNamed = (name: string) => env.TENANTS.get(env.TENANTS.idFromName(name));
  const keepUntil = () => Math.floor(Date.now() / 1000) + 600;

  it("stored by the version before (no meta table) keep their revocations", async () => {
    const tenant = tenantNamed(`old-${crypto.randomUUID()}`);
    await runInDurableObject(tenant, (_i, state) => {
      state.storage.sql.exec("DROP TABLE meta");
      state.storage.sql.exec(
        "INSERT INTO revocations (kind, value, before, keep_until) VALUES ('jti', 'stolen', NULL, ?)",
        keepUntil(),
      );
    });
    await evictDurableObject(tenant);
    expect(await tenant.isRevoked({ id: "anyone", jti: "stolen" })).toBe(true);
    expect(await tenant.isRevoked({ id: "anyone", jti: "fine" })).toBe(false);
  });

  it("stored by a newer version are refused on every call, and left as they were", async () => {
    const tenant = tenantNamed(`newer-${crypto.randomUUID()}`);
    const tables = () =>
      runInDurableObject(tenant, (_i, state) => ({
        meta: state.storage.sql.exec("SELECT * FROM meta").toArray(),
        revocations: state.storage.sql.exec("SELECT * FROM revocations").toArray(),
      }));
    await tenant.revoke({ kind: "jti", jti: "stolen", keepUntil: keepUntil() });
    await runInDurableObject(tenant, (_i, state) => {
      state.storage.sql.exec("UPDATE meta SET value = 2 WHERE key = 'version'");
    });
    await evictDurableObject(tenant);
    const before = await tables();
    expect(await refusal(tenant.isRevoked({ id: "anyone", jti: "stolen" }))).toMatch(/newer gateway version/);
    expect(await refusal(tenant.register("acme/some-room", { id: "anyone" }))).toMatch(/newer gateway version/);
    expect(await tables()).toEqual(before);
  });
});
