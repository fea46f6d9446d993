// The Worker remembers tokens it has verified (src/auth/token-cache.ts). What must not change: a
// revoked token is refused though it is cached, and every token not verified before still meets the
// per-IP connect brake before any token work.
import { beforeAll, describe, expect, it } from "vitest";
import {
  connect,
  errorOf,
  freshRoom,
  publishHttp,
  request,
  TestSocket,
  upgrade,
  WARM_UP_MS,
  warmUp,
} from "../support/gateway.ts";
import { rateLimit } from "../support/limits.ts";
import { apiKey, signToken, uniqueSub } from "../support/tokens.ts";

beforeAll(warmUp, WARM_UP_MS);

const CONNECT_IP_LIMIT = rateLimit("CONNECT_IP_LIMITER").limit;
const FLOOD_MS = 60_000;

const revoke = (body: unknown) =>
  request("/v1/admin/revocations", {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": apiKey("adminacme") },
    body: JSON.stringify(body),
  });

describe("a cached token", () => {
  it("is refused over HTTP once revoked", async () => {
    const room = freshRoom();
    const jti = crypto.randomUUID();
    const token = await signToken({ sub: uniqueSub("http"), scope: "publish", claims: { jti } });
    expect((await publishHttp(room, token, { event: "e", payload: 1 })).status).toBe(202);
    expect((await revoke({ jti })).status).toBe(201);
    expect(await errorOf(await publishHttp(room, token, { event: "e", payload: 2 }))).toMatchObject({
      status: 401,
      code: "token_revoked",
    });
  });

  it("is refused on connect once revoked, in a room it never joined", async () => {
    const sub = uniqueSub("ws");
    const token = await signToken({ sub, claims: { jti: crypto.randomUUID() } });
    const { socket } = await connect(freshRoom(), token);
    socket.close();
    await socket.waitClosed();
    expect((await revoke({ sub })).status).toBe(201);
    const again = await upgrade(`/v1/rooms/${freshRoom()}/ws`, { authorization: `Bearer ${token}` });
    expect(await errorOf(again)).toMatchObject({ status: 401, code: "token_revoked" });
  });
});

describe("the per-IP connect brake", () => {
  it(
    "stops tokens not verified before, and lets a token verified before connect without token work",
    async () => {
      const ip = `192.0.2.${Math.floor(Math.random() * 250) + 1}`;
      const room = freshRoom();
      const known = await signToken({ sub: uniqueSub("known") });
      (await connect(room, known)).socket.close();
      // Valid tokens for another room: each is verified in full (a 403 after the brake), and 403 is
      // not an authentication failure, so only the brake can refuse them.
      let status = 0;
      for (let i = 0; i <= 2 * CONNECT_IP_LIMIT && status !== 429; i++) {
        const stranger = await signToken({ sub: uniqueSub("stranger"), rooms: ["elsewhere"] });
        const res = await upgrade(`/v1/rooms/${room}/ws`, {
          authorization: `Bearer ${stranger}`,
          "cf-connecting-ip": ip,
        });
        status = res.status;
        await res.body?.cancel();
      }
      expect(status).toBe(429);
      const res = await upgrade(`/v1/rooms/${room}/ws`, { authorization: `Bearer ${known}`, "cf-connecting-ip": ip });
      expect(res.status).toBe(101);
      if (res.webSocket === null) return;
      const socket = new TestSocket(res.webSocket);
      await socket.nextOfType("welcome");
      socket.close();
      await socket.waitClosed();
    },
    FLOOD_MS,
  );
});
