// Every frame a client sends costs it something: refreshes and pings the runtime cannot answer draw
// from budgets, publishes from a per-user budget that survives reconnects, and caps hold under
// concurrent connects.
import { beforeAll, describe, expect, it } from "vitest";
import { connect, freshRoom, type TestSocket, upgrade, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { config } from "../support/limits.ts";
import { signToken, uniqueSub } from "../support/tokens.ts";

beforeAll(warmUp, WARM_UP_MS);

const REFRESH_BURST = 6; // refreshes per connection per minute
const BURST = config.clientPublishBurst; // per config.clientPublishWindowMs
const USER_BURST = config.clientUserPublishBurst; // per the same window
const STRIKES = config.abuseStrikes;
const PER_USER = config.maxConnectionsPerUser;

const answer = (socket: TestSocket) =>
  socket.next((f) => f.type === "refreshed" || f.type === "error" || f.type === "pong" || f.type === "ack");

describe("refresh frames", () => {
  it(`are limited to ${REFRESH_BURST} a minute per connection; the next is rate_limited`, async () => {
    const sub = uniqueSub("refresher");
    const { socket } = await connect(freshRoom(), await signToken({ sub }));
    const token = await signToken({ sub, expiresIn: 7_200 });
    for (let i = 0; i < REFRESH_BURST; i++) {
      socket.send({ type: "refresh", token });
      expect(await answer(socket)).toMatchObject({ type: "refreshed" });
    }
    socket.send({ type: "refresh", token });
    expect(await answer(socket)).toMatchObject({ type: "error", code: "rate_limited" });
  });

  // Over budget is not invalid: every refresh past the budget is refused, none closes the socket.
  it("are refused one by one with rate_limited and retryAfter when the spinning goes on, the socket kept", async () => {
    const sub = uniqueSub("spinner");
    const { socket } = await connect(freshRoom(), await signToken({ sub }));
    const token = await signToken({ sub, expiresIn: 7_200 });
    const total = REFRESH_BURST + STRIKES + 1;
    for (let i = 0; i < total; i++) socket.send({ type: "refresh", token });
    const answers = [];
    for (let i = 0; i < total; i++) answers.push(await answer(socket));
    expect(answers.slice(0, REFRESH_BURST).every((f) => f.type === "refreshed")).toBe(true);
    for (const refused of answers.slice(REFRESH_BURST))
      expect(refused).toMatchObject({ type: "error", code: "rate_limited", retryAfter: expect.any(Number) });
    socket.send('{"type":"ping"}');
    expect(await socket.nextOfType("pong")).toEqual({ type: "pong" });
    expect(socket.closed).toBeUndefined();
  });
});

describe("pings the runtime does not answer itself", () => {
  it("draw from the connection's frame budget: refused with rate_limited when flooded, the socket kept", async () => {
    const { socket } = await connect(freshRoom(), await signToken({ sub: uniqueSub("pinger") }));
    const total = BURST + STRIKES + 1;
    for (let i = 0; i < total; i++) socket.send('{ "type": "ping" }');
    const answers = [];
    for (let i = 0; i < total; i++) answers.push(await answer(socket));
    expect(answers.slice(0, BURST).every((f) => f.type === "pong")).toBe(true);
    for (const refused of answers.slice(BURST)) expect(refused).toMatchObject({ type: "error", code: "rate_limited" });
    expect(socket.closed).toBeUndefined();
  });
});

describe("the per-user publish budget", () => {
  it("survives reconnects: reconnecting does not refill it", async () => {
    const room = freshRoom();
    const sub = uniqueSub("cycler");
    const token = await signToken({ sub, scope: "subscribe publish" });
    const started = Date.now();
    let accepted = 0;
    // Rounds of 10 stay within one connection's strikes, so refusals never close the socket.
    for (let round = 0; round < 6; round++) {
      const { socket } = await connect(room, token);
      for (let i = 0; i < 10; i++) socket.send({ type: "publish", event: "e", payload: i, ref: i });
      for (let i = 0; i < 10; i++) if ((await answer(socket)).type === "ack") accepted++;
      socket.close();
      await socket.waitClosed();
    }
    // The bucket refills at USER_BURST per window; allow for the time the loop took.
    const refill = Math.ceil(((Date.now() - started) / config.clientPublishWindowMs) * USER_BURST);
    expect(accepted).toBeGreaterThanOrEqual(USER_BURST);
    expect(accepted).toBeLessThanOrEqual(USER_BURST + refill);
  });
});

describe("connection caps under concurrent connects", () => {
  it(`admits at most ${PER_USER} sockets of one user however many connect at once`, async () => {
    const room = freshRoom();
    const token = await signToken({ sub: uniqueSub("stampede") });
    const results = await Promise.all(
      Array.from({ length: 4 * PER_USER }, () => upgrade(`/v1/rooms/${room}/ws`, { authorization: `Bearer ${token}` })),
    );
    const statuses = results.map((r) => r.status);
    for (const r of results) r.webSocket?.accept();
    expect(statuses.filter((s) => s === 101)).toHaveLength(PER_USER);
    expect(statuses.filter((s) => s === 429)).toHaveLength(3 * PER_USER);
  });
});
