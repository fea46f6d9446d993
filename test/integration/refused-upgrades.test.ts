// A refused upgrade that offered `broadcast.v1` is accepted, says why in one `error` frame, and
// closes with 4000 + the HTTP status the refusal would have had (PROTOCOL.md, "Refused upgrades").
// Browsers and Node's WebSocket cannot read an upgrade's HTTP status; this is how they learn it.
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import * as gateway from "../support/gateway.ts";
import { forgeToken, signToken, uniqueSub } from "../support/tokens.ts";

const { connect, errorOf, freshRoom, TestSocket, upgrade } = gateway;
beforeAll(gateway.warmUp, gateway.WARM_UP_MS);
afterEach(() => vi.restoreAllMocks());

const CONNECT_LIMIT = 30; // CONNECT_LIMITER: connects per identity per 10 s
const AUTH_FAIL_LIMIT = 60; // AUTH_FAIL_IP_LIMITER: failures per IP per 10 s

type Refusal = { protocol: string | null; frames: gateway.Frame[]; code: number; reason: string };

/** Opens an upgrade offering `broadcast.v1` (and `extra` protocols), and reads it to its close. */
async function refusedSocket(path: string, headers: Record<string, string> = {}, extra: string[] = []) {
  const res = await upgrade(path, { "sec-websocket-protocol": ["broadcast.v1", ...extra].join(", "), ...headers });
  if (res.webSocket === null) throw new Error(`expected 101, got ${res.status} ${await res.text()}`);
  const socket = new TestSocket(res.webSocket);
  const { code, reason } = await socket.waitClosed();
  return { protocol: res.headers.get("sec-websocket-protocol"), frames: socket.frames, code, reason } as Refusal;
}

const room = () => `/v1/rooms/${freshRoom()}/ws`;

describe("an upgrade refused with a 401 code", () => {
  it("closes with 4401 and the code, after one error frame saying why", async () => {
    const token = await signToken({ sub: uniqueSub("expired"), expiresIn: -60 });
    const cases: [string, Record<string, string>, string[], string][] = [
      ["no token", {}, [], "missing_token"],
      ["a malformed token", {}, ["bearer.not-a-jwt"], "invalid_token"],
      ["an expired token", {}, [`bearer.${token}`], "token_expired"],
      [
        "a forged signature",
        { authorization: `Bearer ${forgeToken({ alg: "HS256" }, { sub: "x" }, "c2ln")}` },
        [],
        "invalid_signature",
      ],
    ];
    for (const [name, headers, extra, code] of cases) {
      const got = await refusedSocket(room(), headers, extra);
      expect(got, name).toMatchObject({ protocol: "broadcast.v1", code: 4401, reason: code });
      expect(got.frames, name).toHaveLength(1);
      expect(got.frames[0], name).toMatchObject({ type: "error", code });
      expect(typeof got.frames[0]?.message, name).toBe("string");
      expect(got.frames[0], name).not.toHaveProperty("retryAfter");
    }
  });

  it("never names a token carried in the subprotocol list in its answer", async () => {
    const token = await signToken({ sub: uniqueSub("expired"), expiresIn: -60 });
    const got = await refusedSocket(room(), {}, [`bearer.${token}`]);
    expect(got.protocol).toBe("broadcast.v1");
    expect(JSON.stringify(got)).not.toContain(token);
  });
});

describe("an upgrade refused with 403", () => {
  it("closes with 4403 forbidden for a room the token does not grant", async () => {
    const token = await signToken({ sub: uniqueSub("elsewhere"), rooms: ["other"] });
    const got = await refusedSocket(room(), { authorization: `Bearer ${token}` });
    expect(got).toMatchObject({ code: 4403, reason: "forbidden", frames: [{ type: "error", code: "forbidden" }] });
  });

  it("closes with 4403 forbidden_origin, naming the origin, for an origin not allowed", async () => {
    const token = await signToken({ sub: uniqueSub("origin") });
    const got = await refusedSocket(room(), { authorization: `Bearer ${token}`, origin: "https://elsewhere.example" });
    expect(got).toMatchObject({ code: 4403, reason: "forbidden_origin" });
    expect(String(got.frames[0]?.message)).toContain("https://elsewhere.example");
  });
});

describe("an upgrade refused with 400 or 404", () => {
  it("closes with 4400 for a bad room, query or filter, and 4404 for no such route", async () => {
    const token = await signToken({ sub: uniqueSub("bad-input") });
    const auth = { authorization: `Bearer ${token}` };
    expect(await refusedSocket("/v1/rooms/a%20b/ws", auth)).toMatchObject({ code: 4400, reason: "invalid_room" });
    expect(await refusedSocket(`${room()}?since=-1`, auth)).toMatchObject({ code: 4400, reason: "invalid_query" });
    expect(await refusedSocket(`${room()}?tags=NOT`, auth)).toMatchObject({ code: 4400, reason: "invalid_filter" });
    expect(await refusedSocket("/v1/rooms/lobby/sockets", auth)).toMatchObject({ code: 4404, reason: "not_found" });
  });
});

describe("an upgrade refused with 429", () => {
  it("closes with 4429 and tells how long to wait when the limiter refused it", async () => {
    const auth = { authorization: `Bearer ${await signToken({ sub: uniqueSub("eager") })}` };
    const refusals: Refusal[] = [];
    // Bad filters, so no attempt opens a socket; bounded at two fixed windows' worth.
    for (let i = 0; i <= 2 * CONNECT_LIMIT && refusals.at(-1)?.code !== 4429; i++)
      refusals.push(await refusedSocket(`${room()}?tags=NOT`, auth));
    expect(new Set(refusals.slice(0, -1).map((r) => r.code))).toEqual(new Set([4400]));
    expect(refusals.at(-1)).toMatchObject({ code: 4429, reason: "rate_limited" });
    expect(refusals.at(-1)?.frames).toEqual([
      { type: "error", code: "rate_limited", message: expect.any(String), retryAfter: 10 },
    ]);
  });

  it("closes with 4429 too_many_connections when the room object refused it", async () => {
    const target = freshRoom();
    const token = await signToken({ sub: uniqueSub("hoarder") });
    for (let i = 0; i < 10; i++) await connect(target, token);
    const got = await refusedSocket(`/v1/rooms/${target}/ws`, { authorization: `Bearer ${token}` });
    expect(got).toMatchObject({ code: 4429, reason: "too_many_connections" });
    expect(got.frames).toEqual([{ type: "error", code: "too_many_connections", message: expect.any(String) }]);
  });
});

describe("what a refusal still does behind the socket", () => {
  it("is logged with its code and HTTP status", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => lines.push(String(line)));
    await refusedSocket(room());
    const rejected = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.event === "rejected");
    expect(rejected).toMatchObject({ action: "connect", status: 401, code: "missing_token" });
  });

  it("counts against the per-IP failure limit, which then closes with 4429", async () => {
    const ip = `198.18.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250) + 1}`;
    const codes: number[] = [];
    // The limiter's window is fixed: one that rolls over mid-loop takes more attempts (bounded).
    for (let i = 0; i <= 2 * AUTH_FAIL_LIMIT && !codes.includes(4429); i++)
      codes.push((await refusedSocket(room(), { "cf-connecting-ip": ip }, ["bearer.junk"])).code);
    expect(codes.at(-1)).toBe(4429);
    expect(new Set(codes.slice(0, -1))).toEqual(new Set([4401]));
    expect(codes.length).toBeGreaterThan(AUTH_FAIL_LIMIT);
  });
});

describe("a client that did not offer broadcast.v1", () => {
  it("keeps the plain HTTP refusal", async () => {
    expect(await errorOf(await upgrade(room()))).toMatchObject({ status: 401, code: "missing_token" });
    const other = await upgrade(room(), { "sec-websocket-protocol": "graphql-ws" });
    expect(await errorOf(other)).toMatchObject({ status: 401, code: "missing_token" });
  });

  it("and an accepted upgrade that offered it is not touched", async () => {
    const token = await signToken({ sub: uniqueSub("welcome") });
    const res = await upgrade(room(), { "sec-websocket-protocol": `broadcast.v1, bearer.${token}` });
    expect(res.status).toBe(101);
    const socket = new TestSocket(res.webSocket as WebSocket);
    expect(await socket.nextOfType("welcome")).toMatchObject({ type: "welcome" });
    socket.close();
  });
});
