import { describe, expect, it } from "vitest";
import { exceedsBytes, utf8ByteLength } from "../../src/utf8.ts";
import {
  type BatchFrame,
  type EphemeralFrame,
  encodeBatchFrame,
  encodeFiltered,
  encodeMessageFrame,
  encodeWelcome,
  type MessageFrame,
} from "../../src/wire.ts";

describe("encodeMessageFrame", () => {
  const cases: { name: string; frame: MessageFrame }[] = [
    {
      name: "plain fields",
      frame: {
        type: "message",
        id: "id-1",
        seq: 1,
        room: "lobby",
        event: "hello",
        payload: { a: 1, b: [true, null] },
        sender: { kind: "api_key", id: "pubacme" },
        ts: 1_700_000_000_000,
      },
    },
    {
      name: "quotes, backslashes, control characters and unicode in every string field",
      frame: {
        type: "message",
        id: 'i"d\\',
        seq: 42,
        room: "ro:om.é",
        event: 'ev"ent\n\t\u0001 ✓ 😀',
        payload: { text: 'he said "hi" \\ 😀 \u2028', nested: { 'k"ey': ["é"] } },
        sender: { kind: "user", id: 'us"er\\😀' },
        ts: 0,
      },
    },
    {
      name: "a scalar payload",
      frame: {
        type: "message",
        id: "x",
        seq: 7,
        room: "r",
        event: "e",
        payload: "just a string",
        sender: { kind: "user", id: "u" },
        ts: 5,
      },
    },
    {
      name: "tags, in the order they were published, with quotes and unicode",
      frame: {
        type: "message",
        id: "x",
        seq: 8,
        room: "r",
        event: "order.paid",
        tags: { tier: 'go"ld', region: "eu-😀" },
        payload: { n: 1 },
        sender: { kind: "api_key", id: "k" },
        ts: 5,
      },
    },
    {
      name: "a null payload",
      frame: {
        type: "message",
        id: "x",
        seq: 7,
        room: "r",
        event: "e",
        payload: null,
        sender: { kind: "user", id: "u" },
        ts: 5,
      },
    },
  ];

  for (const { name, frame } of cases) {
    it(`produces the same bytes as JSON.stringify for ${name}`, () => {
      const { payload, type: _type, ...meta } = frame;
      expect(encodeMessageFrame(meta, JSON.stringify(payload))).toBe(JSON.stringify(frame));
    });
  }

  it("leaves tags out when the message has none", () => {
    const meta = { id: "x", seq: 1, room: "r", event: "e", sender: { kind: "user" as const, id: "u" }, ts: 1 };
    expect(encodeMessageFrame({ ...meta, tags: undefined }, "1")).not.toContain('"tags"');
  });

  it("encodes an ephemeral message as JSON.stringify of its frame: `ephemeral` after the type, no seq", () => {
    const frame: EphemeralFrame = {
      type: "message",
      ephemeral: true,
      id: 'i"d',
      room: "r",
      event: "typing",
      tags: { who: "é" },
      payload: { on: true },
      sender: { kind: "user", id: "u" },
      ts: 9,
    };
    const { payload, type: _type, ephemeral: _ephemeral, ...meta } = frame;
    const json = encodeMessageFrame({ ...meta, seq: undefined }, JSON.stringify(payload));
    expect(json).toBe(JSON.stringify(frame));
    expect(JSON.parse(json)).not.toHaveProperty("seq");
  });

  it("encodes a welcome frame with its type first", () => {
    const json = encodeWelcome({ connectionId: "c", room: "r", user: "u", seq: 3 });
    expect(JSON.parse(json)).toEqual({ type: "welcome", connectionId: "c", room: "r", user: "u", seq: 3 });
    expect(json.startsWith('{"type":"welcome"')).toBe(true);
  });
});

describe("encodeBatchFrame", () => {
  const message = (seq: number, payload: unknown): MessageFrame => ({
    type: "message",
    id: `id-${seq}`,
    seq,
    room: "r",
    event: "e",
    payload,
    sender: { kind: "user", id: "u" },
    ts: seq,
  });

  it("splices encoded message frames into the same bytes as JSON.stringify of the batch, in order", () => {
    const messages = [message(1, { a: "é" }), message(2, null), message(3, [1])];
    const batch: BatchFrame = { type: "batch", messages };
    const frames = messages.map(({ type: _type, payload, ...meta }) =>
      encodeMessageFrame(meta, JSON.stringify(payload)),
    );
    expect(encodeBatchFrame(frames)).toBe(JSON.stringify(batch));
  });

  it("encodes a batch of one", () => {
    const batch: BatchFrame = { type: "batch", messages: [message(9, "x")] };
    expect(encodeBatchFrame([JSON.stringify(message(9, "x"))])).toBe(JSON.stringify(batch));
  });
});

describe("encodeFiltered", () => {
  it("always carries both parts, empty when they do not constrain", () => {
    expect(JSON.parse(encodeFiltered({ events: [], tags: {} }))).toEqual({ type: "filtered", events: [], tags: {} });
    expect(encodeFiltered({ events: ["a.*"], tags: { r: ["eu"] } })).toBe(
      '{"type":"filtered","events":["a.*"],"tags":{"r":["eu"]}}',
    );
  });
});

describe("utf8ByteLength", () => {
  const encoded = (s: string) => new TextEncoder().encode(s).length;
  const cases: [string, string][] = [
    ["the empty string", ""],
    ["ASCII", "hello, world"],
    ["two-byte characters", "é ß ñ"],
    ["three-byte characters", "€ ✓ 中文"],
    ["a surrogate pair", "😀"],
    ["surrogate pairs back to back", "😀🎉👍"],
    ["the boundaries of each width", "\u007f\u0080\u07ff\u0800\uffff"],
    ["a lone high surrogate at the end", "a\ud800"],
    ["a lone low surrogate", "a\udc00b"],
    ["a low surrogate before a high one", "\udc00\ud800"],
    ["a high surrogate before ASCII", "\ud800a"],
    ["a high surrogate before a two-byte character", "\ud800é"],
    ["a high surrogate before a three-byte character", "\ud800€"],
    ["two high surrogates in a row", "\ud800\ud800"],
    ["a high surrogate before a valid pair", "\ud800😀"],
  ];
  for (const [name, s] of cases) {
    it(`matches TextEncoder for ${name}`, () => {
      expect(utf8ByteLength(s)).toBe(encoded(s));
    });
  }
});

describe("exceedsBytes", () => {
  it("is false at the limit and true one byte over, for one-, two-, three- and four-byte text", () => {
    for (const unit of ["a", "é", "€", "😀"]) {
      const bytes = new TextEncoder().encode(unit).length;
      const s = unit.repeat(100);
      expect(exceedsBytes(s, 100 * bytes)).toBe(false);
      expect(exceedsBytes(s, 100 * bytes - 1)).toBe(true);
    }
  });

  it("counts bytes, not characters, when the length alone does not decide", () => {
    // 40 characters, 80 bytes: under the limit by length, over it by bytes.
    expect(exceedsBytes("é".repeat(40), 79)).toBe(true);
    expect(exceedsBytes("é".repeat(40), 80)).toBe(false);
  });

  it("agrees with TextEncoder on text containing lone surrogates", () => {
    const s = "\ud800é".repeat(10); // 50 bytes once each lone surrogate becomes U+FFFD
    expect(exceedsBytes(s, new TextEncoder().encode(s).length - 1)).toBe(true);
  });
});
