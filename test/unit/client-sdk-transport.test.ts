import { describe, expect, it } from "vitest";
import { parseServerFrame } from "../../src/client/frames.ts";
import {
  connectRequest,
  errorOfBody,
  globalWebSocket,
  retryAfterMs,
  type WebSocketConstructorLike,
} from "../../src/client/transport.ts";

const base = {
  url: "https://gw.example.com",
  room: "lobby",
  token: "h.p.s",
  presence: false,
  since: undefined,
  batch: false,
  filter: {},
};

describe("connectRequest", () => {
  it("carries the token as a subprotocol beside broadcast.v1 by default, and the resume point as since.<seq>", () => {
    expect(connectRequest({ ...base, carrier: "subprotocol", since: 42 })).toEqual({
      url: "wss://gw.example.com/v1/rooms/lobby/ws",
      protocols: ["broadcast.v1", "bearer.h.p.s", "since.42"],
    });
  });

  it("uses ?access_token= and ?since= for the query carrier", () => {
    const r = connectRequest({ ...base, url: "http://127.0.0.1:8787/", carrier: "query", since: 0, presence: true });
    expect(r.url).toBe("ws://127.0.0.1:8787/v1/rooms/lobby/ws?access_token=h.p.s&since=0&presence=1");
    expect(r.protocols).toEqual(["broadcast.v1"]);
  });

  it("sends an Authorization header for the header carrier, with no token in the URL", () => {
    const r = connectRequest({ ...base, url: "ws://h:1/prefix", carrier: "header", since: 7 });
    expect(r).toEqual({
      url: "ws://h:1/prefix/v1/rooms/lobby/ws?since=7",
      protocols: ["broadcast.v1"],
      headers: { authorization: "Bearer h.p.s" },
    });
  });

  it("asks for batch frames and a filter in the query, percent-encoded", () => {
    const filter = { events: ["order.*", "chat message"], tags: { region: ["eu", "us"] } };
    const r = connectRequest({ ...base, carrier: "subprotocol", batch: true, filter });
    const url = new URL(r.url);
    expect(url.searchParams.get("batch")).toBe("1");
    expect(url.searchParams.get("events")).toBe("order.*,chat message");
    expect(url.searchParams.get("tags")).toBe("region:eu,region:us");
    expect(r.url).not.toContain(" ");
  });

  it("leaves out since on a first connect", () => {
    expect(connectRequest({ ...base, carrier: "subprotocol" }).protocols).toEqual(["broadcast.v1", "bearer.h.p.s"]);
  });
});

describe("upgrade failure parsing", () => {
  it("reads the gateway's error code and message from a JSON body and ignores anything else", () => {
    expect(errorOfBody('{"error":{"code":"token_expired","message":"x"}}')).toEqual({
      code: "token_expired",
      message: "x",
    });
    expect(errorOfBody('{"error":{"code":"token_expired"}}')).toEqual({ code: "token_expired" });
    expect(errorOfBody("<html>bad gateway</html>")).toBeUndefined();
    expect(errorOfBody('{"error":"x"}')).toBeUndefined();
  });

  it("reads Retry-After seconds", () => {
    expect(retryAfterMs("7")).toBe(7_000);
    expect(retryAfterMs(["3"])).toBe(3_000);
    expect(retryAfterMs("Wed, 21 Oct 2015 07:28:00 GMT")).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });
});

describe("parseServerFrame", () => {
  it("accepts every server frame type", () => {
    const frames = [
      { type: "welcome", connectionId: "c", room: "r", user: "u", seq: 0 },
      { type: "welcome", connectionId: "c", room: "r", user: "u", seq: 3, recovered: false },
      {
        type: "message",
        id: "m",
        seq: 1,
        room: "r",
        event: "e",
        payload: null,
        sender: { kind: "user", id: "u" },
        ts: 1,
      },
      { type: "ack", ref: 1, id: "m", seq: 1, delivered: 2 },
      { type: "error", code: "forbidden", message: "no", ref: "a" },
      { type: "error", code: "rate_limited", message: "slow down", retryAfter: 7 },
      { type: "refreshed", exp: 2_000_000_000 },
      { type: "presence", action: "leave", user: "u", connectionId: "c" },
      { type: "pong" },
      { type: "filtered", events: ["a.*"], tags: { region: ["eu"] } },
      { type: "filtered", events: [], tags: {} },
      {
        type: "batch",
        messages: [1, 2].map((seq) => ({
          type: "message",
          id: `m${seq}`,
          seq,
          room: "r",
          event: "e",
          tags: { region: "eu" },
          payload: seq,
          sender: { kind: "api_key", id: "k" },
          ts: 1,
        })),
      },
    ];
    for (const f of frames) expect(parseServerFrame(JSON.stringify(f)), f.type).toEqual({ ok: true, frame: f });
  });

  it("rejects malformed frames with a reason and skips unknown types", () => {
    expect(parseServerFrame("{")).toEqual({ ok: false, reason: "frame is not JSON" });
    expect(parseServerFrame(new ArrayBuffer(2))).toEqual({ ok: false, reason: "binary frame" });
    expect(parseServerFrame('{"type":"message","seq":-1}')).toEqual({ ok: false, reason: "malformed message frame" });
    expect(parseServerFrame('{"type":"welcome","seq":"1"}')).toMatchObject({ ok: false });
    expect(parseServerFrame("[]")).toEqual({ ok: false, reason: "frame has no type" });
    expect(parseServerFrame('{"type":"from-the-future"}')).toEqual({ ok: "unknown" });
    const message = {
      type: "message",
      id: "m",
      seq: 1,
      room: "r",
      event: "e",
      payload: 1,
      sender: { kind: "user", id: "u" },
      ts: 1,
    };
    for (const bad of [
      { ...message, tags: { region: 1 } },
      { ...message, tags: ["eu"] },
      { type: "batch", messages: [message, { ...message, seq: "2" }] },
      { type: "batch", messages: [message, { ...message, type: "presence" }] },
      { type: "batch", messages: message },
      { type: "filtered", events: "a", tags: {} },
      { type: "filtered", events: [], tags: { region: "eu" } },
      { type: "error", code: "rate_limited", message: "slow down", retryAfter: "7" },
      { type: "error", code: "rate_limited", message: "slow down", retryAfter: -1 },
    ])
      expect(parseServerFrame(JSON.stringify(bad)), JSON.stringify(bad)).toMatchObject({ ok: false });
  });
});

describe("the runtime's own WebSocket", () => {
  it("fits the constructor the client expects", () => {
    const ctor: WebSocketConstructorLike = WebSocket;
    expect(globalWebSocket()).toBe(ctor);
  });
});
