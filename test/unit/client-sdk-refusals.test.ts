// A refused connect as browsers and Node's built-in WebSocket see it: 101, one `error` frame, then
// close 4000 + the HTTP status with the error code as reason (PROTOCOL.md). The client stops on the
// first attempt where retrying cannot help, asks a token provider once for a new token where that
// can, and waits where the gateway said so.
import { describe, expect, it } from "vitest";
import { clock, connected, names, nextSocket, nowSec, start, tokensIssued, useBench } from "./client-sdk-bench.ts";
import { FakeSocket, fakeJwt, flush } from "./client-sdk-fakes.ts";

useBench();

/** A fixed token (not a provider) that is valid for an hour. */
const fixedToken = () => fakeJwt({ sub: "alice", exp: nowSec() + 3600 });

/** The first attempt's socket. */
async function firstSocket(): Promise<FakeSocket> {
  await flush();
  return FakeSocket.last();
}

describe("a refused connect", () => {
  for (const [status, code] of [
    [401, "token_expired"],
    [401, "invalid_signature"],
    [403, "forbidden_origin"],
    [403, "forbidden"],
    [400, "invalid_room"],
    [404, "not_found"],
    [413, "payload_too_large"],
    [426, "upgrade_required"],
  ] as const)
    it(`with a fixed token, fails on the first attempt on ${4000 + status} ${code}, with the code and never retries`, async () => {
      const h = start({ token: fixedToken() });
      (await firstSocket()).refuseOpen(status, code);
      expect(names(h)).toEqual(["connecting", "failed"]);
      expect(h.states.at(-1)?.error).toMatchObject({
        code,
        gatewayCode: code,
        status,
        closeCode: 4000 + status,
        message: `refused: ${code}`,
      });
      await clock.advance(3_600_000);
      expect(FakeSocket.all).toHaveLength(1);
      expect(clock.pending).toBe(0);
    });

  it("with a token provider, stops at once on refusals a new token cannot fix", async () => {
    for (const [status, code] of [
      [401, "invalid_signature"],
      [401, "unknown_key"],
      [403, "forbidden_origin"],
    ] as const) {
      FakeSocket.reset();
      const h = start();
      (await firstSocket()).refuseOpen(status, code);
      expect(h.states.at(-1)).toMatchObject({ state: "failed", error: { code } });
      await clock.advance(600_000);
      expect(FakeSocket.all).toHaveLength(1);
    }
  });

  for (const code of ["token_expired", "token_revoked"] as const)
    it(`with a token provider, asks it once for a new token after ${code}, then fails`, async () => {
      const h = start();
      (await firstSocket()).refuseOpen(401, code);
      expect(h.states.at(-1)).toMatchObject({ state: "reconnecting", error: { code, closeCode: 4401 } });
      expect(h.errors.map((e) => e.code)).toEqual([code]);
      const second = await nextSocket();
      expect(tokensIssued).toBe(2);
      expect(second.protocols[1]).not.toBe(FakeSocket.all[0]?.protocols[1]);
      second.refuseOpen(401, code);
      expect(h.states.at(-1)).toMatchObject({ state: "failed", error: { code, status: 401 } });
      await clock.advance(3_600_000);
      expect(FakeSocket.all).toHaveLength(2);
    });

  it("asks for a new token once per welcome: a later expiry may be renewed again", async () => {
    const h = start();
    (await firstSocket()).refuseOpen(401, "token_expired");
    (await nextSocket()).welcome(0);
    FakeSocket.last().serverClose(1006);
    (await nextSocket()).refuseOpen(401, "token_expired");
    expect(h.client.state).toBe("reconnecting");
    (await nextSocket()).refuseOpen(401, "token_expired");
    expect(h.client.state).toBe("failed");
  });

  it("rejects queued publishes with the refusal's code", async () => {
    const h = start({ token: fixedToken() });
    const socket = await firstSocket();
    const pending = h.client.publish("e", 1);
    socket.refuseOpen(403, "forbidden_origin");
    await expect(pending).rejects.toMatchObject({ code: "forbidden_origin", closeCode: 4403 });
  });

  it("on 4429, waits the retryAfter the error frame gave, says why, then tries again", async () => {
    const h = start({ token: fixedToken() });
    (await firstSocket()).refuseOpen(429, "too_many_connections", { retryAfter: 7 });
    expect(h.states.at(-1)).toMatchObject({
      state: "reconnecting",
      delayMs: 7_000,
      error: { code: "too_many_connections", closeCode: 4429 },
    });
    await clock.advance(6_999);
    expect(FakeSocket.all).toHaveLength(1);
    await clock.advance(1);
    expect(FakeSocket.all).toHaveLength(2);
  });

  it("on 4500 and 4503, keeps retrying with backoff", async () => {
    const h = start({ token: fixedToken(), backoff: { baseMs: 100, maxMs: 400 } });
    (await firstSocket()).refuseOpen(503, "internal");
    for (let i = 0; i < 4; i++) (await nextSocket()).refuseOpen(i % 2 === 0 ? 500 : 503, "internal");
    expect(h.client.state).toBe("reconnecting");
    expect(h.states.filter((s) => s.state === "reconnecting").map((s) => s.delayMs)).toEqual([50, 100, 200, 200, 200]);
  });

  it("names the refusal from the close reason when no error frame came first", async () => {
    const h = start({ token: fixedToken() });
    const socket = await firstSocket();
    socket.open();
    socket.serverClose(4403, "forbidden_origin");
    expect(h.states.at(-1)).toMatchObject({ state: "failed", error: { code: "forbidden_origin", status: 403 } });
  });

  it("reports a refusal code from a newer gateway as unknown_error, keeping the code it sent", async () => {
    const h = start({ token: fixedToken() });
    (await firstSocket()).refuseOpen(403, "brand_new_reason");
    expect(h.states.at(-1)?.error).toMatchObject({ code: "unknown_error", gatewayCode: "brand_new_reason" });
  });

  it("ends an attempt on an 'error' before open, which Node's built-in WebSocket sends without a 'close'", async () => {
    const h = start({ backoff: { baseMs: 100, maxMs: 100 }, connectTimeoutMs: 10_000 });
    (await firstSocket()).errorEvent();
    expect(h.states.at(-1)).toMatchObject({ state: "reconnecting", delayMs: 50 });
    // The close that browsers send after it belongs to the ended attempt and changes nothing.
    FakeSocket.all[0]?.serverClose(1006);
    expect(names(h)).toEqual(["connecting", "reconnecting"]);
    await nextSocket();
  });

  it("waits for the close after an 'error' on an open socket: the close code decides", async () => {
    const h = start();
    const socket = await connected(h);
    socket.errorEvent("boom");
    expect(h.client.state).toBe("connected");
    socket.serverClose(4003, "disconnected");
    expect(h.states.at(-1)).toMatchObject({ state: "failed", error: { code: "disconnected" } });
  });

  it("treats an error frame after the welcome as an error, not a refusal", async () => {
    const h = start();
    const socket = await connected(h);
    socket.receive({ type: "error", code: "rate_limited", message: "slow down" });
    expect(h.errors.map((e) => e.code)).toEqual(["rate_limited"]);
    socket.serverClose(1006);
    expect(h.client.state).toBe("reconnecting");
  });
});

describe("a fixed token", () => {
  it("is never refreshed, and its expiry (4001) stops the client instead of reconnecting with it", async () => {
    const h = start({ token: fakeJwt({ sub: "alice", exp: nowSec() + 120 }) });
    const socket = await connected(h);
    await clock.advance(119_000);
    expect(socket.sentFrames().filter((f) => f.type === "refresh")).toEqual([]);
    socket.serverClose(4001, "token_expired");
    expect(h.states.at(-1)).toMatchObject({ state: "failed", error: { code: "token_expired", closeCode: 4001 } });
    await clock.advance(600_000);
    expect(FakeSocket.all).toHaveLength(1);
  });
});
