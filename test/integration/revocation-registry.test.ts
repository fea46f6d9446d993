// The tenant object pushes each revocation to the rooms that hold sockets. Its registry must hold
// exactly those rooms (through eviction and hibernation), and once a revocation has been answered
// 201, no room may admit the token: not one whose push failed, nor one registering at that moment.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { Room } from "../../src/room/room.ts";
import { Tenant } from "../../src/tenant/tenant.ts";
import { connect, errorOf, freshRoom, request, roomStubOf, upgrade, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { apiKey, signToken, uniqueSub } from "../support/tokens.ts";

beforeAll(warmUp, WARM_UP_MS);
afterEach(() => vi.restoreAllMocks());

const tenant = () => env.TENANTS.get(env.TENANTS.idFromName("acme"));

/** Whether the tenant would push a revocation to `room`'s object. */
const isRegistered = (room: string) =>
  runInDurableObject(tenant(), (_i, state) =>
    state.storage.sql
      .exec<{ name: string }>("SELECT object AS name FROM registrations")
      .toArray()
      .some((r) => r.name === room || r.name === `acme/${room}`),
  );

/** Makes pushes to `room` fail the way an overloaded or unreachable object does; other rooms are untouched. */
function failPushesTo(room: string, times = Number.POSITIVE_INFINITY) {
  const target = roomStubOf(room).id;
  const push = Room.prototype.revoke;
  let failures = 0;
  return vi.spyOn(Room.prototype, "revoke").mockImplementation(async function (this: Room, r) {
    const state: DurableObjectState = Reflect.get(this, "ctx");
    if (state.id.equals(target) && failures++ < times) throw new Error("Durable Object is overloaded");
    return push.call(this, r);
  });
}

const revoke = (body: unknown) =>
  request("/v1/admin/revocations", {
    method: "POST",
    headers: { "x-api-key": apiKey("adminacme"), "content-type": "application/json" },
    body: JSON.stringify(body),
  });

async function expectRefused(room: string, token: string): Promise<void> {
  const res = await upgrade(`/v1/rooms/${room}/ws`, { authorization: `Bearer ${token}` });
  expect(await errorOf(res)).toMatchObject({ status: 401, code: "token_revoked" });
}

describe("the tenant's room registry", () => {
  it("holds a room while it has sockets and forgets it when the last one leaves", async () => {
    const room = freshRoom();
    const { socket } = await connect(room, await signToken({ sub: uniqueSub() }));
    expect(await isRegistered(room)).toBe(true);
    socket.close();
    await socket.waitClosed();
    await vi.waitFor(async () => expect(await isRegistered(room)).toBe(false));
  });

  it("forgets a room whose object was evicted with its sockets hibernated, once they close", async () => {
    const room = freshRoom();
    const { socket } = await connect(room, await signToken({ sub: uniqueSub() }));
    await evictDurableObject(roomStubOf(room), { webSockets: "hibernate" });
    socket.close();
    await socket.waitClosed();
    await vi.waitFor(async () => expect(await isRegistered(room)).toBe(false));
  });

  it("registers nothing for a refused connect", async () => {
    const room = freshRoom();
    const jti = crypto.randomUUID();
    expect((await revoke({ jti })).status).toBe(201);
    await expectRefused(room, await signToken({ sub: uniqueSub(), claims: { jti } }));
    expect(await isRegistered(room)).toBe(false);
  });

  it("drops a room that reports no sockets when a revocation reaches it", async () => {
    const room = freshRoom();
    // A registration left behind, as by an object reset before its sockets' close handlers ran.
    await runInDurableObject(tenant(), (_i, state) => {
      state.storage.sql.exec("INSERT INTO registrations (object, lease_until) VALUES (?, 0)", `acme/${room}`);
    });
    expect((await revoke({ jti: crypto.randomUUID() })).status).toBe(201);
    expect(await isRegistered(room)).toBe(false);
  });
});

describe("once a revocation is answered 201, no room admits the token", () => {
  it("holds when the push reaches the room while its registration is pending", async () => {
    const room = freshRoom();
    const jti = crypto.randomUUID();
    const register = Tenant.prototype.register;
    // The tenant answers the registration from its list, then stores and pushes a revocation before
    // the answer reaches the room: the push overtakes the older answer.
    vi.spyOn(Tenant.prototype, "register").mockImplementationOnce(async function (this: Tenant, object, token) {
      const answer = await register.call(this, object, token);
      await this.revoke({ kind: "jti", jti, keepUntil: Math.floor(Date.now() / 1000) + 3_600 });
      return answer;
    });
    const res = await upgrade(`/v1/rooms/${room}/ws`, {
      authorization: `Bearer ${await signToken({ sub: uniqueSub(), claims: { jti } })}`,
    });
    expect(await errorOf(res)).toMatchObject({ status: 401, code: "token_revoked" });
    // The pending connect counted as a socket: the push did not make the tenant forget the room.
    const { socket } = await connect(room, await signToken({ sub: uniqueSub() }));
    expect(await isRegistered(room)).toBe(true);
    socket.close();
  });

  it("holds when a push fails once: the tenant retries it", async () => {
    const room = freshRoom();
    await connect(room, await signToken({ sub: uniqueSub() }));
    const jti = crypto.randomUUID();
    const token = await signToken({ sub: uniqueSub(), claims: { jti } });
    failPushesTo(room, 1);
    expect((await revoke({ jti })).status).toBe(201);
    await expectRefused(room, token);
  });

  it("holds when every push to a room fails: the room's cached list has expired by the answer", async () => {
    const room = freshRoom();
    await connect(room, await signToken({ sub: uniqueSub() }));
    const jti = crypto.randomUUID();
    const token = await signToken({ sub: uniqueSub(), claims: { jti } });
    const push = failPushesTo(room);
    expect((await revoke({ jti })).status).toBe(201);
    push.mockRestore();
    await expectRefused(room, token);
  }, 20_000);
  it("closes an open socket the list covers when the room registers again, though every push failed", async () => {
    const room = freshRoom();
    const jti = crypto.randomUUID();
    const { socket } = await connect(room, await signToken({ sub: uniqueSub(), claims: { jti } }));
    const push = failPushesTo(room);
    expect((await revoke({ jti })).status).toBe(201);
    push.mockRestore();
    expect(socket.closed).toBeUndefined();
    // The room's lease has run out by the 201: the next connect registers and gets the list.
    await connect(room, await signToken({ sub: uniqueSub() }));
    expect(await socket.waitClosed(5_000)).toMatchObject({ code: 4002, reason: "token_revoked" });
  }, 20_000);
});
