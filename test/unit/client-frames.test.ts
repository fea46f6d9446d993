import { describe, expect, it } from "vitest";
import { ENVELOPE_SLACK_BYTES } from "../../src/publish-request.ts";
import { parseClientFrame } from "../../src/room/sockets/inbound.ts";

const LIMIT = 1024;
const parse = (frame: unknown) => parseClientFrame(typeof frame === "string" ? frame : JSON.stringify(frame), LIMIT);

function failure(result: ReturnType<typeof parseClientFrame>) {
  if (result.ok) throw new Error(`expected a rejected frame, got ${JSON.stringify(result.frame)}`);
  return { code: result.error.code, ref: result.ref };
}

describe("parseClientFrame", () => {
  it("accepts a ping", () => {
    expect(parse({ type: "ping" })).toEqual({ ok: true, frame: { type: "ping" } });
  });

  it("accepts a publish with targets and a ref", () => {
    const frame = {
      type: "publish",
      event: "chat",
      payload: { text: "hi" },
      to: { users: ["bob"], connections: ["c1"] },
      exclude: { connections: ["c2"] },
      ref: "r1",
    };
    expect(parse(frame)).toEqual({ ok: true, frame });
  });

  it("accepts a publish with tags and an idempotency key", () => {
    const frame = { type: "publish", event: "e", payload: 1, tags: { region: "eu", "t.x_y-1": "é ✓" }, key: "k-1 x" };
    expect(parse(frame)).toEqual({ ok: true, frame });
  });

  it("counts tag values and events in code points, not UTF-16 units", () => {
    const emoji = "😀".repeat(64);
    expect(parse({ type: "publish", event: emoji, payload: 1, tags: { k: emoji } }).ok).toBe(true);
    expect(failure(parse({ type: "publish", event: "e", payload: 1, tags: { k: `${emoji}😀` } })).code).toBe(
      "invalid_message",
    );
  });

  it("reads empty tags as none", () => {
    expect(parse({ type: "publish", event: "e", payload: 1, tags: {} })).toEqual({
      ok: true,
      frame: { type: "publish", event: "e", payload: 1 },
    });
  });

  it("accepts the limits exactly: 8 tags, 32-character keys, 64-character values, 128-character keys", () => {
    const tags = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`${i}${"k".repeat(31)}`, "v".repeat(64)]));
    expect(parse({ type: "publish", event: "e", payload: 1, tags, key: "~".repeat(128) }).ok).toBe(true);
  });

  it("accepts a null payload but not a missing one", () => {
    expect(parse({ type: "publish", event: "e", payload: null }).ok).toBe(true);
    expect(failure(parse({ type: "publish", event: "e" })).code).toBe("invalid_message");
  });

  it("refuses a binary frame as unsupported", () => {
    const binary = new ArrayBuffer(15);
    new Uint8Array(binary).set(new TextEncoder().encode('{"type":"ping"}'));
    expect(failure(parseClientFrame(binary, LIMIT)).code).toBe("unsupported");
  });

  it("refuses a frame over the payload limit plus envelope slack as payload_too_large", () => {
    const overhead = JSON.stringify({ type: "publish", event: "e", payload: "" }).length;
    const fits = { type: "publish", event: "e", payload: "x".repeat(LIMIT + ENVELOPE_SLACK_BYTES - overhead) };
    const over = { ...fits, payload: `${fits.payload}x` };
    expect(parse(fits).ok).toBe(true);
    expect(failure(parse(over)).code).toBe("payload_too_large");
  });

  it("counts the frame's size in UTF-8 bytes, not characters", () => {
    const chars = Math.ceil((LIMIT + ENVELOPE_SLACK_BYTES) / 2);
    const frame = { type: "publish", event: "e", payload: "é".repeat(chars) };
    expect(failure(parse(frame)).code).toBe("payload_too_large");
  });

  it("refuses text that is not JSON as invalid_json", () => {
    expect(failure(parse("{not json")).code).toBe("invalid_json");
    expect(failure(parse("")).code).toBe("invalid_json");
  });

  it("refuses JSON that is not a known frame as invalid_message", () => {
    for (const frame of [
      null,
      [],
      '"ping"',
      { type: "subscribe" },
      { type: "PING" },
      { event: "e", payload: 1 },
      { type: "publish", event: "", payload: 1 },
      { type: "publish", event: "e".repeat(65), payload: 1 },
      { type: "publish", event: 5, payload: 1 },
      { type: "publish", event: "e", payload: 1, to: "bob" },
      { type: "publish", event: "e", payload: 1, to: { users: "bob" } },
      { type: "publish", event: "e", payload: 1, to: { rooms: ["x"] } },
      { type: "publish", event: "e", payload: 1, exclude: { users: ["bob"] } },
      { type: "publish", event: "e", payload: 1, ref: { nested: true } },
      { type: "publish", event: "e", payload: 1, tags: { Region: "eu" } },
      { type: "publish", event: "e", payload: 1, tags: { ["k".repeat(33)]: "v" } },
      { type: "publish", event: "e", payload: 1, tags: { region: "" } },
      { type: "publish", event: "e", payload: 1, tags: { region: "v".repeat(65) } },
      { type: "publish", event: "e", payload: 1, tags: { region: "e\u0000u" } },
      { type: "publish", event: "e", payload: 1, tags: { region: 1 } },
      { type: "publish", event: "e", payload: 1, tags: ["eu"] },
      {
        type: "publish",
        event: "e",
        payload: 1,
        tags: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, "v"])),
      },
      { type: "publish", event: "e", payload: 1, key: "" },
      { type: "publish", event: "e", payload: 1, key: "k".repeat(129) },
      { type: "publish", event: "e", payload: 1, key: " leading" },
      { type: "publish", event: "e", payload: 1, key: "trailing " },
      { type: "publish", event: "e", payload: 1, key: "tab\tinside" },
      { type: "publish", event: "e", payload: 1, key: "ünicode" },
      { type: "publish", event: "e", payload: 1, key: 7 },
      { type: "ping", extra: 1 },
    ]) {
      expect(failure(parse(frame)).code, JSON.stringify(frame)).toBe("invalid_message");
    }
  });

  it("refuses a tag named __proto__ instead of dropping it", () => {
    const text = '{"type":"publish","event":"e","payload":1,"tags":{"__proto__":"x"}}';
    expect(failure(parseClientFrame(text, LIMIT)).code).toBe("invalid_message");
  });

  it("refuses a publish that forges a sender, seq, id, ts or room", () => {
    const base = { type: "publish", event: "e", payload: 1 };
    for (const forged of [
      { sender: { kind: "api_key", id: "admin" } },
      { seq: 99 },
      { id: "forged-id" },
      { ts: 0 },
      { room: "other" },
    ]) {
      expect(failure(parse({ ...base, ...forged })).code, JSON.stringify(forged)).toBe("invalid_message");
    }
  });

  it("echoes a string or integer ref on an invalid message so the client can correlate it", () => {
    expect(failure(parse({ type: "publish", payload: 1, ref: "r-7" }))).toEqual({
      code: "invalid_message",
      ref: "r-7",
    });
    expect(failure(parse({ type: "publish", payload: 1, sender: { kind: "user", id: "x" }, ref: 7 }))).toEqual({
      code: "invalid_message",
      ref: 7,
    });
  });

  it("echoes no ref when there is none or it is not a valid ref", () => {
    expect(failure(parse({ type: "nope" })).ref).toBeUndefined();
    expect(failure(parse({ type: "nope", ref: 1.5 })).ref).toBeUndefined();
    expect(failure(parse({ type: "nope", ref: "r".repeat(65) })).ref).toBeUndefined();
  });
});
