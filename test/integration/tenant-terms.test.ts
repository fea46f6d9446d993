// What a tenant's record changes inside the rooms that hold its sockets: a suspended or deleted
// tenant's open sockets close with 4004 and its connects are refused; maxRoomConnections and
// maxPayloadBytes hold for sockets, and a changed limit holds at once (the tenant pushes its terms
// to every object holding its sockets before the operator's 2xx); a deleted tenant's rooms lose
// their stored data by the tenant's alarm.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { roomStub } from "../../src/room/client.ts";
import { tenantStub } from "../../src/tenant/tenant.ts";
import {
  connect,
  errorOf,
  freshRoom,
  postJson,
  request,
  TestSocket,
  upgrade,
  WARM_UP_MS,
  warmUp,
} from "../support/gateway.ts";
import { signToken } from "../support/tokens.ts";
import { freshTenant, jsonOf, operatorAs, tenantWithKey } from "./operator-helpers.ts";

beforeAll(warmUp, WARM_UP_MS);

const call = operatorAs("opterms");

const tokenFor = (tenant: string, sub = `u-${crypto.randomUUID().slice(0, 8)}`) =>
  signToken({ tenant, sub, scope: "subscribe publish" });

async function socketOf(tenant: string, room = freshRoom()): Promise<TestSocket> {
  return (await connect(room, await tokenFor(tenant))).socket;
}

async function refusalOf(tenant: string, room = freshRoom()) {
  return errorOf(await upgrade(`/v1/rooms/${room}/ws`, { authorization: `Bearer ${await tokenFor(tenant)}` }));
}

const answerTo = (socket: TestSocket, ref: string) => socket.next((f) => f.ref === ref);

describe("a suspended tenant", () => {
  it("loses its open sockets in every room with 4004 tenant_suspended, and cannot connect until resumed", async () => {
    const tenant = freshTenant();
    await jsonOf(await call("POST", "/tenants", { id: tenant }), 201);
    const room = freshRoom();
    const sockets = [await socketOf(tenant, room), await socketOf(tenant, room), await socketOf(tenant)];
    const bystander = await socketOf(freshTenant());
    await jsonOf(await call("PATCH", `/tenants/${tenant}`, { status: "suspended" }), 200);
    for (const socket of sockets) expect(await socket.waitClosed()).toEqual({ code: 4004, reason: "tenant_suspended" });
    // The room that held its sockets refuses it at once, whatever the Worker's cache still says.
    expect(await refusalOf(tenant, room)).toMatchObject({ status: 403, code: "tenant_suspended" });
    expect(await refusalOf(tenant)).toMatchObject({ status: 403, code: "tenant_suspended" });
    bystander.send({ type: "ping" });
    expect(await bystander.nextOfType("pong")).toMatchObject({ type: "pong" });
    await jsonOf(await call("PATCH", `/tenants/${tenant}`, { status: "active" }), 200);
    // The room learns it at once; the Worker's cached snapshot within its 5 s.
    await vi.waitFor(async () => (await socketOf(tenant, room)).close(), { timeout: 8_000, interval: 500 });
  });
});

describe("a deleted tenant", () => {
  it("loses its open sockets with 4004 and is refused on connect", async () => {
    const tenant = freshTenant();
    await jsonOf(await call("POST", "/tenants", { id: tenant }), 201);
    const room = freshRoom();
    const socket = await socketOf(tenant, room);
    await jsonOf(await call("DELETE", `/tenants/${tenant}`), 200);
    expect(await socket.waitClosed()).toEqual({ code: 4004, reason: "tenant_suspended" });
    expect(await refusalOf(tenant, room)).toMatchObject({ status: 403, code: "tenant_suspended" });
  });
});

describe("a tenant's room limits", () => {
  it("hold it to maxRoomConnections per room, and a raised limit admits more at once", async () => {
    const tenant = freshTenant();
    await jsonOf(await call("POST", "/tenants", { id: tenant, limits: { maxRoomConnections: 2 } }), 201);
    const room = freshRoom();
    const held = [await socketOf(tenant, room), await socketOf(tenant, room)];
    expect(await refusalOf(tenant, room)).toMatchObject({ status: 429, code: "too_many_connections" });
    // Another room of the tenant has its own count.
    held.push(await socketOf(tenant));
    await jsonOf(await call("PATCH", `/tenants/${tenant}`, { limits: { maxRoomConnections: 3 } }), 200);
    held.push(await socketOf(tenant, room));
    expect(await refusalOf(tenant, room)).toMatchObject({ status: 429, code: "too_many_connections" });
    for (const socket of held) socket.close();
  });

  it("hold its sockets' publishes to maxPayloadBytes, and a changed limit holds for open sockets", async () => {
    const tenant = freshTenant();
    await jsonOf(await call("POST", "/tenants", { id: tenant, limits: { maxPayloadBytes: 16 } }), 201);
    const socket = await socketOf(tenant);
    const fits = "x".repeat(14); // 16 bytes as JSON
    socket.send({ type: "publish", event: "e", payload: fits, ref: "fits" });
    expect(await answerTo(socket, "fits")).toMatchObject({ type: "ack" });
    socket.send({ type: "publish", event: "e", payload: `${fits}x`, ref: "over" });
    expect(await answerTo(socket, "over")).toMatchObject({ type: "error", code: "payload_too_large" });
    await jsonOf(await call("PATCH", `/tenants/${tenant}`, { limits: { maxPayloadBytes: null } }), 200);
    socket.send({ type: "publish", event: "e", payload: "x".repeat(1000), ref: "default" });
    expect(await answerTo(socket, "default")).toMatchObject({ type: "ack" });
    socket.close();
  });
});

/** Rows of the room's stored messages and idempotency records (a table not created holds none). */
const storedRows = (tenant: string, room: string) =>
  runInDurableObject(roomStub(env, tenant, room), (_instance, state) => {
    const count = (table: string) =>
      state.storage.sql.exec("SELECT 1 FROM sqlite_master WHERE name = ?", table).toArray().length === 0
        ? 0
        : state.storage.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM ${table}`).one().n;
    return { messages: count("messages"), idempotency: count("idempotency"), recipients: count("recipients") };
  });

/** A tenant with its own historyMaxAgeSeconds, a key that publishes and reads, and a room's history as that key reads it. */
async function tenantWithHistoryAge(seconds: number) {
  const tenant = freshTenant();
  await jsonOf(await call("POST", "/tenants", { id: tenant, limits: { historyMaxAgeSeconds: seconds } }), 201);
  const { key } = await jsonOf<{ key: string }>(
    await call("POST", `/tenants/${tenant}/api-keys`, { scopes: ["publish", "admin"] }),
    201,
  );
  const history = async (room: string) => {
    const res = await request(`/v1/rooms/${room}/messages`, { headers: { authorization: `Bearer ${key}` } });
    return ((await res.json()) as { messages: unknown[] }).messages;
  };
  return { tenant, key, history };
}

describe("a tenant's historyMaxAgeSeconds", () => {
  it("is the age its rooms keep history for, learned when a room first stores, and kept in its storage", async () => {
    const { tenant, key, history } = await tenantWithHistoryAge(1);
    const room = freshRoom();
    expect((await postJson(`/v1/rooms/${room}/messages`, key, { event: "e", payload: 1 })).status).toBe(202);
    const kept = () =>
      runInDurableObject(roomStub(env, tenant, room), (_i, state) =>
        state.storage.sql.exec<{ value: number }>("SELECT value FROM meta WHERE key = 'max_age_ms'").toArray(),
      );
    await vi.waitFor(async () => expect(await kept()).toEqual([{ value: 1_000 }]));
    // The global age in tests is minutes: only the tenant's own second can have hidden it.
    await vi.waitFor(async () => expect(await history(room)).toEqual([]), { timeout: 4_000, interval: 250 });
  });

  it("lowered, hides older messages within 5 s in a room without sockets, over HTTP and on resume, and the alarm deletes them", async () => {
    const { tenant, key, history } = await tenantWithHistoryAge(600);
    const [read, resumed] = [freshRoom(), freshRoom()];
    for (const room of [read, resumed])
      for (const payload of [1, 2])
        expect((await postJson(`/v1/rooms/${room}/messages`, key, { event: "e", payload })).status).toBe(202);
    // Both rooms learned the tenant's 600 s from its answer to their note: no push reaches them later.
    await vi.waitFor(async () => expect(await tenantStub(env, tenant).controlStoredRooms(10)).toHaveLength(2));
    expect(await history(read)).toHaveLength(2);

    await jsonOf(await call("PATCH", `/tenants/${tenant}`, { limits: { historyMaxAgeSeconds: 1 } }), 200);
    // The Worker's cached snapshot is at most 4 s old: its next read brings the new age along.
    await vi.waitFor(async () => expect(await history(read)).toEqual([]), { timeout: 5_000, interval: 250 });
    const { socket, welcome } = await connect(resumed, await tokenFor(tenant), "?since=0");
    expect(welcome).toMatchObject({ seq: 2, recovered: false });
    socket.send({ type: "ping" });
    // Nothing was replayed before the answer to a frame sent after the welcome.
    expect(await socket.next()).toMatchObject({ type: "pong" });
    socket.close();
    // The room's alarm deletes what the new age no longer keeps.
    await vi.waitFor(async () => expect((await storedRows(tenant, read)).messages).toBe(0), { timeout: 5_000 });
  });
});

describe("a tenant's maxConnections", () => {
  it("holds across its rooms under a connect storm, with no overshoot, and frees places as sockets leave", async () => {
    const tenant = freshTenant();
    await jsonOf(await call("POST", "/tenants", { id: tenant, limits: { maxConnections: 5 } }), 201);
    const rooms = [freshRoom(), freshRoom(), freshRoom(), freshRoom()];
    const tokens = await Promise.all(Array.from({ length: 12 }, () => tokenFor(tenant)));
    const answers = await Promise.all(
      tokens.map((token, i) => upgrade(`/v1/rooms/${rooms[i % 4]}/ws`, { authorization: `Bearer ${token}` })),
    );
    const opened = answers.flatMap((res) => (res.webSocket === null ? [] : [new TestSocket(res.webSocket)]));
    const refused = await Promise.all(answers.filter((res) => res.webSocket === null).map(errorOf));
    // Grants are exact near the limit: every place is used, none twice.
    expect(opened).toHaveLength(5);
    expect(new Set(refused.map((r) => `${r.status} ${r.code}`))).toEqual(new Set(["429 too_many_connections"]));
    for (const socket of opened) socket.close();
    // The last socket of each room gives its places back to the tenant.
    await vi.waitFor(async () => (await socketOf(tenant)).close(), { timeout: 5_000, interval: 200 });
  });
});

describe("a deleted tenant's rooms", () => {
  it("lose their history, its index of recipients and idempotency records by the tenant's alarm", async () => {
    const tenant = freshTenant();
    const key = await tenantWithKey(call, tenant);
    const room = freshRoom();
    const publish = (k: string, to?: { users: string[] }) =>
      postJson(`/v1/rooms/${room}/messages`, key, { event: "e", payload: k, to }, { "idempotency-key": k });
    expect((await publish("a")).status).toBe(202);
    expect((await publish("b", { users: ["bob"] })).status).toBe(202);
    expect(await storedRows(tenant, room)).toEqual({ messages: 2, idempotency: 2, recipients: 1 });
    // The room notes itself with its tenant in the background.
    await vi.waitFor(async () =>
      expect(await tenantStub(env, tenant).controlStoredRooms(10)).toEqual([`${tenant}/${room}`]),
    );
    await jsonOf(await call("DELETE", `/tenants/${tenant}`), 200);
    await runDurableObjectAlarm(tenantStub(env, tenant));
    expect(await storedRows(tenant, room)).toEqual({ messages: 0, idempotency: 0, recipients: 0 });
    expect(await tenantStub(env, tenant).controlStoredRooms(10)).toEqual([]);
  });

  it("are purged before the tenant's id starts over, so a new tenant of that id reads none of it", async () => {
    const tenant = freshTenant();
    const key = await tenantWithKey(call, tenant);
    const room = freshRoom();
    expect((await postJson(`/v1/rooms/${room}/messages`, key, { event: "e", payload: 1 })).status).toBe(202);
    await vi.waitFor(async () => expect(await tenantStub(env, tenant).controlStoredRooms(10)).toHaveLength(1));
    await jsonOf(await call("DELETE", `/tenants/${tenant}`), 200);
    await jsonOf(await call("POST", "/tenants", { id: tenant }), 201);
    expect(await storedRows(tenant, room)).toEqual({ messages: 0, idempotency: 0, recipients: 0 });
  });
});
