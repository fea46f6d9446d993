import { describe, expect, it } from "vitest";
import { parseServerFrame } from "../../src/client/frames.ts";
import {
  connectRequest,
  errorCodeOf,
  globalWebSocket,
  retryAfterMs,
  type WebSocketConstructorLike,
} from "../../src/client/transport.ts";

const base = { url: "https://gw.example.com", room: "lobby", token: "h.p.s", presence: false, since: undefined };

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

  it("leaves out since on a first connect", () => {
    expect(connectRequest({ ...base, carrier: "subprotocol" }).protocols).toEqual(["broadcast.v1", "bearer.h.p.s"]);
  });
});

describe("upgrade failure parsing", () => {
  it("reads the gateway's error code from a JSON body and ignores anything else", () => {
    expect(errorCodeOf('{"error":{"code":"token_expired","message":"x"}}')).toBe("token_expired");
    expect(errorCodeOf("<html>bad gateway</html>")).toBeUndefined();
    expect(errorCodeOf('{"error":"x"}')).toBeUndefined();
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
      { type: "refreshed", exp: 2_000_000_000 },
      { type: "presence", action: "leave", user: "u", connectionId: "c" },
      { type: "pong" },
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
  });
});

describe("the runtime's own WebSocket", () => {
  it("fits the constructor the client expects", () => {
    const ctor: WebSocketConstructorLike = WebSocket;
    expect(globalWebSocket()).toBe(ctor);
  });
});
