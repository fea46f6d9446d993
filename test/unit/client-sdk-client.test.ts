// BroadcastClient against a fake socket and a manual clock: every reconnect, resume, refresh and
// terminal path, with no network and no real time.
import { describe, expect, it } from "vitest";
import { BroadcastClient } from "../../src/client/index.ts";
import { clock, connected, names, nextSocket, nowSec, start, tokensIssued, useBench } from "./client-sdk-bench.ts";
import { FakeNodeSocket, FakeSocket, fakeJwt, flush } from "./client-sdk-fakes.ts";

useBench();
describe("connecting", () => {
  it("offers broadcast.v1 and the token as subprotocols, and is connected once welcomed", async () => {
    const h = start();
    expect(h.client.state).toBe("connecting");
    await flush();
    const socket = FakeSocket.last();
    expect(socket.url).toBe("ws://gw.test/v1/rooms/lobby/ws?batch=1");
    expect(socket.protocols[0]).toBe("broadcast.v1");
    expect(socket.protocols[1]).toMatch(/^bearer\./);
    expect(socket.protocols).toHaveLength(2);
    socket.welcome(7);
    expect(names(h)).toEqual(["connecting", "connected"]);
    expect(h.client.lastSeq).toBe(7);
    expect(h.client.connectionId).toBe("c1");
  });

  it("awaits an async token provider, and retries with backoff when it throws", async () => {
    let calls = 0;
    const h = start({
      token: async () => {
        calls++;
        if (calls === 1) throw new Error("auth server down");
        return fakeJwt({ exp: nowSec() + 60 });
      },
    });
    await flush();
    expect(FakeSocket.all).toHaveLength(0);
    expect(h.errors.map((e) => e.code)).toEqual(["token_provider_failed"]);
    expect(h.client.state).toBe("reconnecting");
    await nextSocket();
    expect(calls).toBe(2);
  });

  it("drops an attempt that gets no welcome in time and tries again", async () => {
    const h = start({ connectTimeoutMs: 5_000 });
    await flush();
    const first = FakeSocket.last();
    await clock.advance(5_000);
    expect(first.closedByClient).toBeDefined();
    expect(h.errors.map((e) => e.code)).toEqual(["connect_timeout"]);
    expect(h.client.state).toBe("reconnecting");
    await nextSocket();
  });

  it("refuses bad options when it is built, naming the option", () => {
    const base = { url: "ws://gw.test", room: "lobby", token: () => "t", WebSocket: FakeSocket };
    expect(() => new BroadcastClient({ ...base, room: "no spaces" })).toThrow(/room/);
    expect(() => new BroadcastClient({ ...base, url: "nope" })).toThrow(/url/);
    expect(() => new BroadcastClient({ ...base, maxQueue: -1 })).toThrow(/maxQueue/);
    expect(() => new BroadcastClient({ ...base, token: "" })).toThrow(/token/);
    expect(() => new BroadcastClient({ ...base, WebSocket: undefined, carrier: "header" })).toThrow(/header/);
  });
});

describe("reconnecting and resuming", () => {
  it("reconnects after a drop with a fresh token and since.<last seen seq>, delivering each message once", async () => {
    const h = start();
    const first = await connected(h, 10);
    first.message(11);
    first.message(12);
    first.serverClose(1006);
    expect(h.client.state).toBe("reconnecting");
    const second = await nextSocket();
    expect(second.protocols).toContain("since.12");
    expect(second.protocols[1]).not.toBe(first.protocols[1]);
    second.welcome(14, { recovered: true });
    // The replay overlaps what was already delivered (12) before the new ones.
    second.message(12);
    second.message(13);
    second.message(14);
    second.message(15);
    second.message(13);
    expect(h.payloads).toEqual([11, 12, 13, 14, 15]);
    expect(h.client.lastSeq).toBe(15);
  });

  it("emits the messages of a batch frame one by one, in order, dropping those already delivered", async () => {
    const h = start();
    const socket = await connected(h, 0);
    socket.message(1);
    socket.batch([1, 2, 3]);
    socket.message(3);
    socket.batch([4, 6]);
    expect(h.payloads).toEqual([1, 2, 3, 4, 6]);
    expect(h.client.lastSeq).toBe(6);
  });

  it("stops emitting a batch's messages once a listener closes the client", async () => {
    const h = start();
    const socket = await connected(h, 0);
    h.client.on("message", (m) => {
      if (m.seq === 2) h.client.close();
    });
    socket.batch([1, 2, 3]);
    expect(h.payloads).toEqual([1, 2]);
  });

  it("does not ask for batch frames when told not to", async () => {
    start({ batch: false });
    await flush();
    expect(FakeSocket.last().url).toBe("ws://gw.test/v1/rooms/lobby/ws");
  });

  it("treats seq gaps as normal (targeted messages skip clients)", async () => {
    const h = start();
    const socket = await connected(h, 0);
    socket.message(1);
    socket.message(5);
    expect(h.payloads).toEqual([1, 5]);
  });

  it("resumes from a seq the app saved, on the very first connect", async () => {
    const h = start({ since: 99 });
    await flush();
    expect(FakeSocket.last().protocols).toContain("since.99");
    const resyncs: unknown[] = [];
    h.client.on("resync", (r) => resyncs.push(r));
    FakeSocket.last().welcome(100, { recovered: true });
    expect(resyncs).toEqual([]);
    expect(h.client.lastSeq).toBe(99);
  });

  it("emits resync when history does not reach back, then carries on live", async () => {
    const h = start();
    const first = await connected(h, 3);
    first.serverClose(1001);
    const resyncs: unknown[] = [];
    h.client.on("resync", (r) => resyncs.push(r));
    const second = await nextSocket();
    second.welcome(2000, { recovered: false });
    second.message(2001);
    expect(resyncs).toEqual([{ reason: "history_gap", from: 3, to: 2000 }]);
    expect(h.payloads).toEqual([2001]);
  });

  it("uses ?since= with the query carrier", async () => {
    const h = start({ carrier: "query", presence: true });
    const first = await connected(h, 4);
    first.serverClose(1011);
    const second = await nextSocket();
    expect(second.url).toMatch(/\?access_token=[\w.-]+&since=4&presence=1&batch=1$/);
    expect(second.protocols).toEqual(["broadcast.v1"]);
  });

  it("backs off with full jitter: delays double per failed attempt and stop at the cap", async () => {
    const h = start({ backoff: { baseMs: 100, maxMs: 1_000 } });
    await flush();
    for (let i = 0; i < 6; i++) {
      FakeSocket.last().serverClose(1006);
      await nextSocket();
    }
    const delays = h.states.filter((s) => s.state === "reconnecting").map((s) => s.delayMs);
    // random() = 0.5: half of 100, 200, 400, 800, then the 1,000 cap.
    expect(delays).toEqual([50, 100, 200, 400, 500, 500]);
  });

  it("starts the backoff over after a connection that stayed up", async () => {
    const h = start({ backoff: { baseMs: 100, maxMs: 10_000 }, stableAfterMs: 5_000 });
    await flush();
    FakeSocket.last().serverClose(1006);
    (await nextSocket()).serverClose(1006);
    const third = await nextSocket();
    third.welcome(0);
    await clock.advance(5_000);
    third.serverClose(1006);
    const delays = h.states.filter((s) => s.state === "reconnecting").map((s) => s.delayMs);
    expect(delays).toEqual([50, 100, 50]);
  });

  it("detects a dead connection with ping and reconnects when nothing answers", async () => {
    const h = start({ pingIntervalMs: 1_000, pongTimeoutMs: 500 });
    const socket = await connected(h);
    await clock.advance(1_000);
    expect(socket.sent).toContain('{"type":"ping"}');
    socket.receive({ type: "pong" });
    await clock.advance(1_000);
    await clock.advance(500);
    expect(h.errors.map((e) => e.code)).toEqual(["heartbeat_timeout"]);
    expect(h.client.state).toBe("reconnecting");
  });
});

describe("terminal codes", () => {
  for (const [code, name] of [
    [4002, "token_revoked"],
    [4003, "disconnected"],
    [1008, "policy_violation"],
  ] as const) {
    it(`stops for good on close ${code} (${name}), rejects queued publishes, and never reconnects`, async () => {
      const h = start();
      const socket = await connected(h);
      socket.serverClose(code, name);
      expect(h.client.state).toBe("failed");
      expect(h.states.at(-1)?.error?.code).toBe(name);
      await expect(h.client.publish("e", 1)).rejects.toMatchObject({ code: "closed" });
      await clock.advance(3_600_000);
      expect(FakeSocket.all).toHaveLength(1);
      expect(clock.pending).toBe(0);
    });
  }

  it("rejects publishes queued before a terminal close with the terminal code", async () => {
    const h = start();
    await flush();
    const pending = h.client.publish("e", 1);
    FakeSocket.last().serverClose(4003);
    await expect(pending).rejects.toMatchObject({ code: "disconnected", closeCode: 4003 });
  });

  it("connects again when the app calls connect() after a terminal failure", async () => {
    const h = start();
    (await connected(h)).serverClose(4003);
    h.client.connect();
    await flush();
    expect(FakeSocket.all).toHaveLength(2);
  });

  it("stops on HTTP 401 and 403 seen through ws, keeping the gateway's code", async () => {
    for (const [status, code] of [
      [401, "invalid_signature"],
      [403, "forbidden"],
    ] as const) {
      FakeSocket.reset();
      const h = start({ WebSocket: FakeNodeSocket });
      await flush();
      const socket = FakeSocket.last();
      if (!(socket instanceof FakeNodeSocket)) throw new Error("expected a FakeNodeSocket");
      socket.refuse(status, { error: { code, message: "no" } });
      await flush();
      expect(h.client.state).toBe("failed");
      expect(h.states.at(-1)?.error).toMatchObject({ code, status });
      await clock.advance(600_000);
      expect(FakeSocket.all).toHaveLength(1);
    }
  });

  it("waits out Retry-After on HTTP 429 and then tries again", async () => {
    const h = start({ WebSocket: FakeNodeSocket });
    await flush();
    const socket = FakeSocket.last();
    if (!(socket instanceof FakeNodeSocket)) throw new Error("expected a FakeNodeSocket");
    socket.refuse(429, { error: { code: "rate_limited", message: "slow down" } }, { "retry-after": "7" });
    await flush();
    expect(h.states.at(-1)).toMatchObject({ state: "reconnecting", delayMs: 7_000 });
    await clock.advance(6_999);
    expect(FakeSocket.all).toHaveLength(1);
    await clock.advance(1);
    expect(FakeSocket.all).toHaveLength(2);
  });

  it("keeps retrying a browser's opaque 1006 (a failed upgrade looks like this), asking for a token each time", async () => {
    const h = start({ backoff: { baseMs: 100, maxMs: 400 } });
    await flush();
    for (let i = 0; i < 5; i++) {
      FakeSocket.last().serverClose(1006);
      await nextSocket();
    }
    expect(tokensIssued).toBe(6);
    expect(h.client.state).toBe("connecting");
  });
});

describe("token refresh", () => {
  it("refreshes in place 60 s before expiry and schedules the next one from the new exp", async () => {
    const h = start();
    const socket = await connected(h);
    await clock.advance(3_540_000 - 1);
    expect(socket.sent).toHaveLength(0);
    await clock.advance(1);
    const refresh = socket.sentFrames().at(-1);
    expect(refresh).toMatchObject({ type: "refresh", token: expect.any(String) });
    expect(tokensIssued).toBe(2);
    socket.receive({ type: "refreshed", exp: nowSec() + 3600 });
    await clock.advance(3_540_000);
    expect(socket.sentFrames().filter((f) => f.type === "refresh")).toHaveLength(2);
    expect(h.errors).toEqual([]);
    expect(h.client.state).toBe("connected");
  });

  it("reconnects with a fresh token on 4001 when no refresh had failed", async () => {
    const h = start();
    (await connected(h)).serverClose(4001, "token_expired");
    expect(h.client.state).toBe("reconnecting");
    await nextSocket();
    expect(tokensIssued).toBe(2);
  });

  it("goes terminal on 4001 after the gateway refused the refresh", async () => {
    const h = start({ token: () => fakeJwt({ exp: nowSec() + 90 }) });
    const socket = await connected(h);
    await clock.advance(72_000);
    socket.receive({ type: "error", code: "forbidden", message: "another user" });
    expect(h.errors.map((e) => e.code)).toEqual(["forbidden"]);
    // It retries while the token has time left, and is refused again.
    await clock.advance(1_000);
    socket.receive({ type: "error", code: "forbidden", message: "another user" });
    socket.serverClose(4001, "token_expired");
    expect(h.client.state).toBe("failed");
    expect(h.states.at(-1)?.error?.code).toBe("token_expired");
    await clock.advance(600_000);
    expect(FakeSocket.all).toHaveLength(1);
  });

  it("forgets a failed refresh once a new connection is welcomed with a fresh token", async () => {
    const h = start();
    const first = await connected(h);
    await clock.advance(3_540_000);
    first.receive({ type: "error", code: "forbidden", message: "another user" });
    first.serverClose(1006);
    const second = await nextSocket();
    second.welcome(0);
    second.serverClose(4001);
    expect(h.client.state).toBe("reconnecting");
  });

  it("counts a refresh that gets no answer as failed", async () => {
    const h = start({ ackTimeoutMs: 2_000 });
    const socket = await connected(h);
    await clock.advance(3_540_000 + 2_000);
    expect(h.errors.map((e) => e.code)).toContain("refresh_timeout");
    socket.serverClose(4001);
    expect(h.client.state).toBe("failed");
  });

  it("recovers from a failed refresh when a later one succeeds", async () => {
    const h = start();
    const socket = await connected(h);
    await clock.advance(3_540_000);
    socket.receive({ type: "error", code: "token_expired", message: "stale" });
    await clock.advance(clock.nextDelay() ?? 0);
    socket.receive({ type: "refreshed", exp: nowSec() + 3600 });
    socket.serverClose(4001);
    expect(h.client.state).toBe("reconnecting");
  });
});

describe("publish", () => {
  it("sends a publish with a ref and resolves with the ack", async () => {
    const h = start();
    const socket = await connected(h);
    const ack = h.client.publish("chat", { text: "hi" }, { to: { users: ["bob"] } });
    const frame = socket.sentFrames()[0];
    expect(frame).toEqual({
      type: "publish",
      event: "chat",
      payload: { text: "hi" },
      to: { users: ["bob"] },
      ref: 1,
      key: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    socket.receive({ type: "ack", ref: 1, id: "m1", seq: 1, delivered: 2 });
    await expect(ack).resolves.toEqual({ id: "m1", seq: 1, delivered: 2 });
  });

  it("rejects with the gateway's error code", async () => {
    const h = start();
    const socket = await connected(h);
    const p = h.client.publish("chat", 1);
    socket.receive({ type: "error", code: "forbidden", message: 'publishing needs scope "publish"', ref: 1 });
    await expect(p).rejects.toMatchObject({ code: "forbidden" });
  });

  it("paces by rate_limited: holds its publishes for retryAfter, then resends the refused one first", async () => {
    const h = start();
    const socket = await connected(h);
    const refused = h.client.publish("chat", "a");
    socket.receive({ type: "error", code: "rate_limited", message: "slow down", ref: 1, retryAfter: 0.5 });
    const later = h.client.publish("chat", "b");
    expect(socket.sentFrames().map((f) => f.payload)).toEqual(["a"]);
    await clock.advance(499);
    expect(socket.sentFrames()).toHaveLength(1);
    await clock.advance(1);
    const resent = socket.sentFrames();
    expect(resent.map((f) => f.payload)).toEqual(["a", "a", "b"]);
    expect(resent[1]?.key).toBe(resent[0]?.key);
    socket.receive({ type: "ack", ref: 1, id: "m1", seq: 1, delivered: 1 });
    socket.receive({ type: "ack", ref: 2, id: "m2", seq: 2, delivered: 1 });
    await expect(refused).resolves.toMatchObject({ seq: 1 });
    await expect(later).resolves.toMatchObject({ seq: 2 });
    expect(h.client.state).toBe("connected");
    expect(h.errors).toEqual([]);
  });

  it("resends a publish held for rate after a reconnect, once", async () => {
    const h = start();
    const first = await connected(h);
    const refused = h.client.publish("chat", "a");
    first.receive({ type: "error", code: "rate_limited", message: "slow down", ref: 1, retryAfter: 5 });
    first.serverClose(1006);
    const second = await nextSocket();
    second.welcome(0);
    expect(second.sentFrames().map((f) => f.payload)).toEqual(["a"]);
    second.receive({ type: "ack", ref: 1, id: "m1", seq: 1, delivered: 1 });
    await expect(refused).resolves.toMatchObject({ seq: 1 });
  });

  it("rejects an invalid event locally without sending it", async () => {
    const h = start();
    const socket = await connected(h);
    await expect(h.client.publish("", 1)).rejects.toMatchObject({ code: "invalid_message" });
    await expect(h.client.publish("x".repeat(65), 1)).rejects.toMatchObject({ code: "invalid_message" });
    await expect(h.client.publish("e", undefined)).rejects.toMatchObject({ code: "invalid_message" });
    expect(socket.sent).toHaveLength(0);
  });

  it("queues while reconnecting, sends after the next welcome, and refuses overflow clearly", async () => {
    const h = start({ maxQueue: 2 });
    const first = await connected(h);
    first.serverClose(1006);
    const a = h.client.publish("e", "a");
    const b = h.client.publish("e", "b");
    await expect(h.client.publish("e", "c")).rejects.toMatchObject({ code: "queue_full" });
    expect(h.client.queued).toBe(2);
    const second = await nextSocket();
    expect(second.sent).toHaveLength(0);
    second.welcome(0);
    expect(second.sentFrames().map((f) => f.payload)).toEqual(["a", "b"]);
    second.receive({ type: "ack", ref: 2, id: "m2", seq: 2, delivered: 1 });
    second.receive({ type: "ack", ref: 1, id: "m1", seq: 1, delivered: 1 });
    await expect(a).resolves.toMatchObject({ id: "m1" });
    await expect(b).resolves.toMatchObject({ id: "m2" });
  });

  it("gives every publish its own key, or the one the app chose, and refuses a key that is not printable ASCII", async () => {
    const h = start();
    const socket = await connected(h);
    const acks = [
      h.client.publish("e", 1),
      h.client.publish("e", 2),
      h.client.publish("e", 3, { key: "order-7", tags: { region: "eu" } }),
    ];
    const [a, b, c] = socket.sentFrames();
    expect(a?.key).not.toBe(b?.key);
    expect(c).toMatchObject({ key: "order-7", tags: { region: "eu" } });
    await expect(h.client.publish("e", 4, { key: "" })).rejects.toMatchObject({ code: "invalid_message" });
    await expect(h.client.publish("e", 4, { key: " x" })).rejects.toMatchObject({ code: "invalid_message" });
    expect(socket.sent).toHaveLength(3);
    for (const ref of [1, 2, 3]) socket.receive({ type: "ack", ref, id: `m${ref}`, seq: ref, delivered: 1 });
    await Promise.all(acks);
  });

  it("resends unacknowledged publishes, same key and ref, after the next welcome and before newer ones", async () => {
    const h = start();
    const first = await connected(h);
    const a = h.client.publish("e", "a");
    const b = h.client.publish("e", "b");
    first.receive({ type: "ack", ref: 1, id: "m1", seq: 1, delivered: 1 });
    const [, sentB] = first.sent;
    first.serverClose(1006);
    const c = h.client.publish("e", "c");
    const second = await nextSocket();
    expect(second.sent).toHaveLength(0);
    second.welcome(1);
    expect(second.sent[0]).toBe(sentB);
    expect(second.sentFrames().map((f) => f.payload)).toEqual(["b", "c"]);
    // The gateway knows b's key: its ack repeats b's first answer.
    second.receive({ type: "ack", ref: 2, id: "m2", seq: 2, delivered: 1 });
    second.receive({ type: "ack", ref: 3, id: "m3", seq: 3, delivered: 1 });
    await expect(a).resolves.toMatchObject({ id: "m1" });
    await expect(b).resolves.toMatchObject({ id: "m2" });
    await expect(c).resolves.toMatchObject({ id: "m3" });
  });

  it("rejects publishes waiting to be resent with the terminal code when the gateway ends the session", async () => {
    const h = start();
    const first = await connected(h);
    const p = h.client.publish("e", 1);
    first.serverClose(4002);
    await expect(p).rejects.toMatchObject({ code: "token_revoked" });
    expect(h.client.queued).toBe(0);
  });

  it("rejects with ack_timeout when no ack comes", async () => {
    const h = start({ ackTimeoutMs: 1_000 });
    await connected(h);
    const p = h.client.publish("e", 1);
    const settled = expect(p).rejects.toMatchObject({ code: "ack_timeout" });
    await clock.advance(1_000);
    await settled;
  });
});

describe("filters", () => {
  const filterOf = (socket: FakeSocket) => {
    const url = new URL(socket.url);
    return { events: url.searchParams.get("events"), tags: url.searchParams.get("tags") };
  };

  it("connects with the filter given as options", async () => {
    start({ events: ["order.*", "user.joined"], tags: { region: ["eu", "us"] } });
    await flush();
    expect(filterOf(FakeSocket.last())).toEqual({ events: "order.*,user.joined", tags: "region:eu,region:us" });
  });

  it("refuses a filter the gateway would refuse when it is built, naming it", () => {
    const base = { url: "ws://gw.test", room: "lobby", token: () => "t", WebSocket: FakeSocket };
    expect(() => new BroadcastClient({ ...base, tags: { Region: ["eu"] } })).toThrow(/tag key/);
    expect(() => new BroadcastClient({ ...base, events: ["a,b"] })).toThrow(/comma/);
  });

  it("changes the filter live: sends a filter frame, resolves on filtered, and keeps it for reconnects", async () => {
    const h = start();
    const first = await connected(h);
    const changed = h.client.setFilter({ events: ["order.*"], tags: { region: ["eu"] } });
    expect(first.sentFrames()).toEqual([{ type: "filter", events: ["order.*"], tags: { region: ["eu"] } }]);
    first.receive({ type: "filtered", events: ["order.*"], tags: { region: ["eu"] } });
    await expect(changed).resolves.toBeUndefined();
    first.serverClose(1006);
    expect(filterOf(await nextSocket())).toEqual({ events: "order.*", tags: "region:eu" });
  });

  it("clears the filter with an empty one, on the socket and for reconnects", async () => {
    const h = start({ events: ["a"] });
    const first = await connected(h);
    const cleared = h.client.setFilter({});
    expect(first.sentFrames()).toEqual([{ type: "filter" }]);
    first.receive({ type: "filtered", events: [], tags: {} });
    await cleared;
    first.serverClose(1006);
    expect(filterOf(await nextSocket())).toEqual({ events: null, tags: null });
  });

  it("rejects when the gateway refuses the filter, and keeps the one it had for reconnects", async () => {
    const h = start({ events: ["a"] });
    const first = await connected(h);
    const refused = h.client.setFilter({ events: ["b"] });
    first.receive({ type: "error", code: "rate_limited", message: "slow down" });
    await expect(refused).rejects.toMatchObject({ code: "rate_limited" });
    expect(h.errors).toEqual([]);
    first.serverClose(1006);
    expect(filterOf(await nextSocket()).events).toBe("a");
  });

  it("rejects a filter with bad syntax at once, sending nothing", async () => {
    const h = start();
    const socket = await connected(h);
    await expect(h.client.setFilter({ tags: { region: [] } })).rejects.toMatchObject({ code: "invalid_filter" });
    await expect(h.client.setFilter({ events: Array.from({ length: 17 }, (_, i) => `e${i}`) })).rejects.toMatchObject({
      code: "invalid_filter",
    });
    expect(socket.sent).toHaveLength(0);
  });

  it("rejects with filter_timeout when no answer comes", async () => {
    const h = start({ ackTimeoutMs: 1_000 });
    await connected(h);
    const settled = expect(h.client.setFilter({ events: ["a"] })).rejects.toMatchObject({ code: "filter_timeout" });
    await clock.advance(1_000);
    await settled;
  });

  it("while reconnecting, connects with the new filter and resolves on welcome", async () => {
    const h = start();
    (await connected(h)).serverClose(1006);
    let done = false;
    const changed = h.client.setFilter({ events: ["a"] }).then(() => (done = true));
    const second = await nextSocket();
    expect(filterOf(second).events).toBe("a");
    expect(done).toBe(false);
    second.welcome(0);
    await changed;
    expect(second.sent).toHaveLength(0);
  });

  it("settles a filter the dropped socket never answered with the reconnect's welcome", async () => {
    const h = start();
    const first = await connected(h);
    const changed = h.client.setFilter({ events: ["a"] });
    first.serverClose(1006);
    const second = await nextSocket();
    expect(filterOf(second).events).toBe("a");
    second.welcome(0);
    await expect(changed).resolves.toBeUndefined();
  });

  it("sends a filter asked for after the connect had started once welcomed, and resolves on its answer", async () => {
    const h = start();
    await flush();
    const socket = FakeSocket.last();
    const changed = h.client.setFilter({ events: ["late"] });
    expect(filterOf(socket).events).toBeNull();
    socket.welcome(0);
    expect(socket.sentFrames()).toEqual([{ type: "filter", events: ["late"] }]);
    socket.receive({ type: "filtered", events: ["late"], tags: {} });
    await expect(changed).resolves.toBeUndefined();
  });

  it("remembers a filter set before connect() for the first connect", async () => {
    const h = start({}, false);
    await h.client.setFilter({ tags: { tier: ["gold"] } });
    h.client.connect();
    await flush();
    expect(filterOf(FakeSocket.last()).tags).toBe("tier:gold");
  });

  it("rejects a waiting filter when the client is closed", async () => {
    const h = start();
    await flush();
    const changed = h.client.setFilter({ events: ["a"] });
    h.client.close();
    await expect(changed).rejects.toMatchObject({ code: "closed" });
  });

  it("routes ref-less errors to the oldest unanswered refresh or filter, in the order they were sent", async () => {
    const h = start();
    const socket = await connected(h);
    await clock.advance(3_540_000);
    expect(socket.sentFrames().at(-1)?.type).toBe("refresh");
    const changed = h.client.setFilter({ events: ["a"] });
    socket.receive({ type: "error", code: "invalid_signature", message: "refresh refused" });
    expect(h.errors.map((e) => e.code)).toEqual(["invalid_signature"]);
    socket.receive({ type: "error", code: "rate_limited", message: "filter refused" });
    await expect(changed).rejects.toMatchObject({ code: "rate_limited" });
  });

  it("reports a filtered frame nobody asked for", async () => {
    const h = start();
    const socket = await connected(h);
    socket.receive({ type: "filtered", events: [], tags: {} });
    expect(h.errors.map((e) => e.code)).toEqual(["invalid_frame"]);
  });
});

describe("close()", () => {
  it("closes the socket, rejects queued publishes and leaves no timer behind", async () => {
    const h = start({ pingIntervalMs: 1_000 });
    const socket = await connected(h);
    socket.serverClose(1006);
    const p = h.client.publish("e", 1);
    h.client.close();
    await expect(p).rejects.toMatchObject({ code: "closed" });
    expect(h.client.state).toBe("closed");
    expect(clock.pending).toBe(0);
    await clock.advance(60_000);
    expect(FakeSocket.all).toHaveLength(1);
  });

  it("during a pending token fetch, opens no socket afterwards", async () => {
    let release: (t: string) => void = () => {};
    const h = start({ token: () => new Promise<string>((r) => (release = r)) });
    h.client.close();
    release(fakeJwt({ exp: nowSec() + 60 }));
    await flush();
    expect(FakeSocket.all).toHaveLength(0);
    expect(names(h)).toEqual(["connecting", "closed"]);
  });

  it("from inside a state listener stops the welcome from going further", async () => {
    const h = start();
    h.client.on("state", (s) => {
      if (s.state === "connected") h.client.close();
    });
    const welcomes: unknown[] = [];
    h.client.on("welcome", (w) => welcomes.push(w));
    await flush();
    FakeSocket.last().welcome(0);
    expect(h.client.state).toBe("closed");
    expect(welcomes).toEqual([]);
  });
});

describe("presence and stray frames", () => {
  it("emits presence frames and reports malformed frames without dropping the connection", async () => {
    const h = start({ presence: true });
    const socket = await connected(h);
    const seen: unknown[] = [];
    h.client.on("presence", (p) => seen.push(p));
    socket.receive({ type: "presence", action: "join", user: "bob", connectionId: "c9" });
    socket.receive("not json");
    socket.receive({ type: "something-new" });
    expect(seen).toEqual([{ type: "presence", action: "join", user: "bob", connectionId: "c9" }]);
    expect(h.errors.map((e) => e.code)).toEqual(["invalid_frame"]);
    expect(h.client.state).toBe("connected");
  });
});
