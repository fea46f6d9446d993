import { afterEach, describe, expect, it, vi } from "vitest";
import { connect, freshRoom, publishHttp, request, upgrade } from "../support/gateway.ts";
import { apiKey, signToken } from "../support/tokens.ts";

const revoke = (body: unknown, key = apiKey("adminacme")) =>
  request("/v1/admin/revocations", {
    method: "POST",
    headers: { "x-api-key": key, "content-type": "application/json" },
    body: JSON.stringify(body),
  });

async function errorCode(res: Response): Promise<string> {
  return ((await res.json()) as { error: { code: string } }).error.code;
}

describe("connection caps", () => {
  it("refuses an eleventh socket for one user in one room with 429 too_many_connections", async () => {
    const room = freshRoom();
    const token = await signToken({ sub: "hoarder" });
    for (let i = 0; i < 10; i++) await connect(room, token);
    const res = await upgrade(`/v1/rooms/${room}/ws`, { authorization: `Bearer ${token}` });
    expect(res.status).toBe(429);
    expect(await errorCode(res)).toBe("too_many_connections");
    // Another user, and the same user elsewhere, are unaffected.
    await connect(room, await signToken({ sub: "modest" }));
    await connect(freshRoom(), token);
  });

  it("lets the user in again once a socket closes", async () => {
    const room = freshRoom();
    const token = await signToken({ sub: "cycler" });
    const sockets = [];
    for (let i = 0; i < 10; i++) sockets.push((await connect(room, token)).socket);
    sockets[0]?.close();
    await sockets[0]?.waitClosed();
    const { welcome } = await connect(room, token);
    expect(welcome.type).toBe("welcome");
  });
});

describe("per-IP connect limit", () => {
  it("limits connect attempts from one address before any token work", async () => {
    const ip = `198.51.100.${Math.floor(Math.random() * 200) + 1}`;
    let last = 0;
    // A fixed window may roll over mid-loop, so keep going (bounded) until the limit bites.
    for (let i = 0; i < 400 && last !== 429; i++) {
      const res = await upgrade(`/v1/rooms/${freshRoom()}/ws`, {
        "cf-connecting-ip": ip,
        authorization: "Bearer bogus",
      });
      last = res.status;
    }
    expect(last).toBe(429);
    const other = await upgrade(`/v1/rooms/${freshRoom()}/ws`, {
      "cf-connecting-ip": "203.0.113.9",
      authorization: "Bearer bogus",
    });
    expect(other.status).toBe(401);
  });
});

describe("allowed origins", () => {
  it("refuses a browser upgrade from an origin not in ALLOWED_ORIGINS", async () => {
    const token = await signToken({ sub: "browser" });
    const res = await upgrade(`/v1/rooms/${freshRoom()}/ws`, {
      authorization: `Bearer ${token}`,
      origin: "https://evil.example",
    });
    expect(res.status).toBe(403);
    expect(await errorCode(res)).toBe("forbidden_origin");
  });

  it("accepts requests without an Origin (servers, native apps)", async () => {
    const { welcome } = await connect(freshRoom(), await signToken({ sub: "server" }));
    expect(welcome.type).toBe("welcome");
  });
});

describe("token revocation", () => {
  it("closes live sockets of a revoked jti with 4002 and refuses it on connect", async () => {
    const room = freshRoom();
    const jti = crypto.randomUUID();
    const token = await signToken({ sub: "leaker", claims: { jti } });
    const { socket } = await connect(room, token);
    const { socket: bystander } = await connect(room, await signToken({ sub: "leaker" }));
    const res = await revoke({ jti });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ closed: 1, revocation: { kind: "jti", jti } });
    expect(await socket.waitClosed()).toEqual({ code: 4002, reason: "token_revoked" });
    const again = await upgrade(`/v1/rooms/${room}/ws`, { authorization: `Bearer ${token}` });
    expect(again.status).toBe(401);
    expect(await errorCode(again)).toBe("token_revoked");
    // Another token of the same user, without that jti, keeps working.
    expect(bystander.closed).toBeUndefined();
  });

  it("revokes every token of a user issued before a time, in every room of the tenant", async () => {
    const sub = `rev-${crypto.randomUUID()}`;
    const { socket: a } = await connect(freshRoom(), await signToken({ sub }));
    const { socket: b } = await connect(freshRoom(), await signToken({ sub }));
    // Read after both tokens were signed, however long that took on a busy machine.
    const before = Math.floor(Date.now() / 1000);
    expect(await (await revoke({ sub, before })).json()).toMatchObject({ closed: 2 });
    expect((await a.waitClosed()).code).toBe(4002);
    expect((await b.waitClosed()).code).toBe(4002);
    // A token issued after `before` is accepted.
    const { welcome } = await connect(freshRoom(), await signToken({ sub, claims: { iat: before + 1 } }));
    expect(welcome.type).toBe("welcome");
  });

  it("revokes a token issued in the same second as before", async () => {
    const sub = `rev-${crypto.randomUUID()}`;
    const iat = Math.floor(Date.now() / 1000);
    const token = await signToken({ sub, claims: { iat } });
    const { socket } = await connect(freshRoom(), token);
    expect(await (await revoke({ sub, before: iat })).json()).toMatchObject({ closed: 1 });
    expect((await socket.waitClosed()).code).toBe(4002);
    const again = await upgrade(`/v1/rooms/${freshRoom()}/ws`, { authorization: `Bearer ${token}` });
    expect(await errorCode(again)).toBe("token_revoked");
  });

  it("refuses HTTP calls made with a revoked JWT", async () => {
    const jti = crypto.randomUUID();
    const token = await signToken({ sub: "httpleak", scope: "subscribe publish", claims: { jti } });
    await revoke({ jti });
    const res = await publishHttp(freshRoom(), token, { event: "e", payload: 1 });
    expect(res.status).toBe(401);
    expect(await errorCode(res)).toBe("token_revoked");
  });

  it("is limited to the admin key's own tenant", async () => {
    const room = freshRoom();
    const sub = `globex-${crypto.randomUUID()}`;
    const { socket } = await connect(room, await signToken({ sub, tenant: "globex" }));
    expect(await (await revoke({ sub })).json()).toMatchObject({ closed: 0 });
    expect(socket.closed).toBeUndefined();
  });

  it("needs scope admin and a valid body", async () => {
    expect((await revoke({ jti: "x" }, apiKey("pubacme"))).status).toBe(403);
    const bad = await revoke({ jti: "x", sub: "y" });
    expect(bad.status).toBe(400);
    expect(await errorCode(bad)).toBe("invalid_body");
  });

  it("refuses a refresh to a revoked token", async () => {
    const jti = crypto.randomUUID();
    const { socket } = await connect(freshRoom(), await signToken({ sub: "refresher" }));
    await revoke({ jti });
    socket.send({ type: "refresh", token: await signToken({ sub: "refresher", claims: { jti } }) });
    expect(await socket.nextOfType("error")).toMatchObject({ code: "token_revoked" });
  });
});

describe("token lifetime", () => {
  it("refuses tokens that live longer than MAX_TOKEN_LIFETIME_SECONDS", async () => {
    const token = await signToken({ sub: "forever", expiresIn: 2 * 86_400 });
    const res = await upgrade(`/v1/rooms/${freshRoom()}/ws`, { authorization: `Bearer ${token}` });
    expect(res.status).toBe(401);
    expect(await errorCode(res)).toBe("invalid_claims");
  });
});

describe("structured logs", () => {
  afterEach(() => vi.restoreAllMocks());

  it("writes one JSON line per connect, publish and rejection, with credentials redacted", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => {
      lines.push(String(line));
    });
    const room = freshRoom();
    const token = await signToken({ sub: "logged" });
    await connect(room, token);
    await publishHttp(room, apiKey("pubacme"), { event: "e", payload: "x".repeat(10) });
    await upgrade(`/v1/rooms/${room}/ws?access_token=${token}x`, {});
    const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.find((e) => e.event === "connect")).toMatchObject({
      tenant: "acme",
      room,
      sender: "user:logged",
      status: 101,
    });
    expect(events.find((e) => e.event === "publish")).toMatchObject({
      tenant: "acme",
      room,
      sender: "api_key:pubacme",
      status: 202,
    });
    expect(events.find((e) => e.event === "rejected")).toMatchObject({ code: "invalid_signature", status: 401 });
    const all = lines.join("\n");
    expect(all).not.toContain(token.slice(0, 40));
    expect(all).not.toContain(apiKey("pubacme"));
  });

  it("caps a logged path at 256 characters, marked as truncated, after redacting it", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => {
      lines.push(String(line));
    });
    const token = await signToken({ sub: "long-path" });
    // The token starts 10 characters before the cap: cut first, its header would be left unredacted.
    await request(`/${"eyJ".repeat(5000)}`);
    await request(`/${"a".repeat(245)}/${token}`);
    // Lengths and tails, not whole paths: a failure then prints a few characters, not 15,000.
    const paths = lines.map((l) => (JSON.parse(l) as { path: string }).path);
    expect(paths.map((p) => [p.length, p.slice(-22)])).toEqual([
      [268, "JeyJeyJeyJ…[truncated]"],
      [268, "/[redacted…[truncated]"],
    ]);
  });
});

describe("after an abuse close", () => {
  it("acts on none of the frames the client had already sent", async () => {
    const room = freshRoom();
    const { socket: flooder } = await connect(room, await signToken({ sub: "flooder", scope: "subscribe publish" }));
    const { socket: watcher } = await connect(room, await signToken({ sub: "watcher2" }));
    for (let i = 0; i < 11; i++) flooder.send("not json");
    for (let i = 0; i < 3; i++) flooder.send({ type: "publish", event: "late", payload: i });
    expect((await flooder.waitClosed()).code).toBe(1008);
    await publishHttp(room, apiKey("pubacme"), { event: "marker", payload: null });
    expect(await watcher.nextOfType("message")).toMatchObject({ event: "marker", seq: 1 });
  });
});
