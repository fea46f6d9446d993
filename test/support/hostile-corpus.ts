// A deterministic corpus of hostile WebSocket frames and HTTP requests, each paired with the answer
// the README documents (or, where the README is silent, the observed answer, named as such).
// Pure: no I/O and no clock. A seeded PRNG makes every run send exactly the same bytes.
import { ENVELOPE_SLACK_BYTES } from "../../src/publish-request.ts";
import type { ErrorCode, Ref } from "../../src/wire.ts";

export const MAX_PAYLOAD_BYTES = 65_536;
/** Frames and bodies are cut off above the payload limit plus room for their own fields. */
export const MAX_FRAME_BYTES = MAX_PAYLOAD_BYTES + ENVELOPE_SLACK_BYTES;
const MiB = 1024 * 1024;

/** What a healthy client must receive for an accepted publish. */
export type Delivery = { event: string; payloadJson: string };

export type FrameCategory =
  | "binary"
  | "invalid-utf8"
  | "invalid-json"
  | "deep-nesting"
  | "huge"
  | "wrong-type"
  | "unknown-field"
  | "forged"
  | "prototype-pollution"
  | "numbers"
  | "control-chars"
  | "unicode"
  | "refresh";

/** `ref` absent on an error: the error frame must carry no `ref`. Accepted frames always carry one. */
export type FrameExpect = { kind: "error"; code: ErrorCode; ref?: Ref } | { kind: "ack"; ref: Ref; delivers: Delivery };

export type FrameCase = {
  name: string;
  category: FrameCategory;
  data: string | Uint8Array;
  expect: FrameExpect;
  /** Answered after an await (token verification): send it last in its batch so answers keep order. */
  async: boolean;
};

export type HttpCategory = Exclude<FrameCategory, "binary" | "refresh"> | "content-type" | "room" | "query";

export type HttpExpect = { kind: "error"; status: number; code: ErrorCode } | { kind: "accepted"; delivers: Delivery };

export type HttpCase = {
  name: string;
  category: HttpCategory;
  method: "GET" | "POST";
  /** `{room}` stands for the test's room. */
  path: string;
  upgrade: boolean;
  body: string | Uint8Array | undefined;
  /** `null`: no content-type header at all. */
  contentType: string | null;
  /** Send the body as a stream of unknown length (no content-length). */
  stream: boolean;
};

export type HttpCaseWithExpect = HttpCase & { expect: HttpExpect };

/** mulberry32: tiny, fast, and the same sequence on every platform. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new Error("pick from an empty list");
    return item;
  }
  string(length: number, alphabet: string): string {
    const chars = [...alphabet];
    return Array.from({ length }, () => this.pick(chars)).join("");
  }
}

export const DEFAULT_SEED = 0x5eed_2026;

// ---- JSON text builders: raw member texts keep literals JSON.stringify cannot write ----------------

const q = (v: unknown): string => JSON.stringify(v);
type Members = readonly (readonly [string, string])[];
/** A JSON object from raw member texts (duplicates, `__proto__` keys and `1e309` survive verbatim). */
export const objectText = (members: Members): string => `{${members.map(([k, v]) => `${q(k)}:${v}`).join(",")}}`;

const BASE_EVENT = q("hostile");
const BASE_PAYLOAD = q({ n: 1 });

/** A publish frame (or body, without `type`) with fields replaced, removed (`undefined`) or added. */
function publishText(edits: readonly (readonly [string, string | undefined])[], ref?: string, frame = true): string {
  const members: [string, string][] = [];
  if (frame) members.push(["type", q("publish")]);
  members.push(["event", BASE_EVENT], ["payload", BASE_PAYLOAD]);
  for (const [key, value] of edits) {
    const i = members.findIndex(([k]) => k === key);
    if (value === undefined) {
      if (i >= 0) members.splice(i, 1);
    } else if (i >= 0) members[i] = [key, value];
    else members.push([key, value]);
  }
  if (ref !== undefined) members.push(["ref", ref]);
  return objectText(members);
}

/**
 * What the gateway reads when a test sends a JS string holding a lone surrogate: workerd's WebSocket
 * and fetch body encoders write it as three bytes (ED A0 80, "WTF-8"), which is invalid UTF-8, and
 * the gateway's decoder turns each byte into U+FFFD. This is how invalid UTF-8 rides in a text frame.
 */
export function asReceived(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD\uFFFD\uFFFD");
}

/** The delivery an accepted publish text implies, as the platform decodes and re-serializes it. */
function deliveryOf(text: string): Delivery {
  const parsed = JSON.parse(asReceived(text)) as { event: string; payload: unknown };
  return { event: parsed.event, payloadJson: q(parsed.payload) };
}

const isInvalidJson = (text: string): boolean => {
  try {
    JSON.parse(text);
    return false;
  } catch {
    return true;
  }
};

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const concatBytes = (...parts: (string | readonly number[])[]): Uint8Array =>
  new Uint8Array(parts.flatMap((p) => (typeof p === "string" ? [...utf8(p)] : [...p])));

const b64url = (s: string): string =>
  btoa(String.fromCharCode(...utf8(s)))
    .replace(/=+$/, "")
    .replace(/\+/g, "-")
    .replace(/\//g, "_");
/** An unsigned token with any header: the shape of a forgery, with no key material involved. */
export const forgedJwt = (header: object, claims: object, signature = "c2ln"): string =>
  `${b64url(q(header))}.${b64url(q(claims))}.${signature}`;

// ---- Shared hostile material --------------------------------------------------------------------

/** Invalid UTF-8 sequences and how a WHATWG decoder (Request.json()) renders each inside a string. */
export const INVALID_UTF8: readonly { name: string; bytes: readonly number[]; decoded: string }[] = [
  { name: "lone continuation 80", bytes: [0x80], decoded: "\uFFFD" },
  { name: "lone continuation BF", bytes: [0xbf], decoded: "\uFFFD" },
  { name: "overlong slash C0 AF", bytes: [0xc0, 0xaf], decoded: "\uFFFD\uFFFD" },
  { name: "overlong C1 BF", bytes: [0xc1, 0xbf], decoded: "\uFFFD\uFFFD" },
  { name: "bad continuation C3 28", bytes: [0xc3, 0x28], decoded: "\uFFFD(" },
  { name: "overlong 3-byte E0 80 AF", bytes: [0xe0, 0x80, 0xaf], decoded: "\uFFFD\uFFFD\uFFFD" },
  { name: "encoded surrogate ED A0 80", bytes: [0xed, 0xa0, 0x80], decoded: "\uFFFD\uFFFD\uFFFD" },
  { name: "truncated 3-byte E2 82", bytes: [0xe2, 0x82], decoded: "\uFFFD" },
  { name: "truncated 4-byte F0 9F 98", bytes: [0xf0, 0x9f, 0x98], decoded: "\uFFFD" },
  { name: "above U+10FFFF F4 90 80 80", bytes: [0xf4, 0x90, 0x80, 0x80], decoded: "\uFFFD\uFFFD\uFFFD\uFFFD" },
  { name: "invalid lead F5 80", bytes: [0xf5, 0x80], decoded: "\uFFFD\uFFFD" },
  { name: "5-byte form F8 88 80 80 80", bytes: [0xf8, 0x88, 0x80, 0x80, 0x80], decoded: "\uFFFD".repeat(5) },
  { name: "FE", bytes: [0xfe], decoded: "\uFFFD" },
  { name: "FF", bytes: [0xff], decoded: "\uFFFD" },
  { name: "FE FF (UTF-16 BOM)", bytes: [0xfe, 0xff], decoded: "\uFFFD\uFFFD" },
  { name: "truncated 2-byte C2", bytes: [0xc2], decoded: "\uFFFD" },
];

/** Unescaped lone surrogates in a JS string: sent as invalid UTF-8 (see asReceived). */
const LONE_SURROGATES: readonly (readonly [string, string])[] = [
  ["lone high surrogate", "\uD800"],
  ["lone low surrogate", "\uDFFF"],
  ["reversed surrogate pair", "\uDC00\uD800"],
];

/** Wrong values for `event`, `to` and `exclude`; every one fails the publish schema. Lengths count code points (zod 4). */
// biome-ignore format: a table of hostile values reads better packed
const BAD_EVENTS = [
  "null", "true", "false", "0", "-1", "1.5", "1e309", q(""), q("e".repeat(65)), q("€".repeat(65)), q("😀".repeat(65)),
  q(`${"a".repeat(64)}😀`), "[]", q(["e"]), "{}", q({ event: "e" }),
];
// biome-ignore format: a table of hostile values reads better packed
const BAD_TARGETS = [
  "null", "true", "0", q("everyone"), q(""), "[]", q(["alice"]), q({ users: "alice" }), q({ users: null }),
  q({ users: {} }), q({ users: [1] }), q({ users: [null] }), q({ users: [""] }), q({ users: ["u".repeat(201)] }),
  q({ users: [["alice"]] }), q({ users: Array(1001).fill("u") }), q({ connections: "c" }), q({ connections: [1] }),
  q({ connections: [""] }), q({ connections: ["c".repeat(65)] }), q({ connections: Array(1001).fill("c") }),
  q({ user: ["alice"] }), q({ users: ["alice"], all: true }), q({ Users: ["alice"] }), '{"users":1e309}',
  '{"users":["alice"],"users":1}',
];
// biome-ignore format: a table of hostile values reads better packed
const BAD_EXCLUDES = [
  "null", "1", q("c"), "[]", q({ connections: "c" }), q({ connections: [1] }), q({ connections: [""] }),
  q({ connections: ["c".repeat(65)] }), q({ users: ["alice"] }), q({ connections: Array(1001).fill("c") }),
  q({ connection: ["c"] }),
];
// biome-ignore format: a table of hostile values reads better packed
const BAD_TYPES = [
  "null", "true", "0", "1", "1e309", q(""), q("PUBLISH"), q("Publish"), q(" publish"), q("publish "),
  q("publish\u0000"), q("publish\n"), q("ping"), q("refresh"), q("message"), q("ack"), q("error"), q("welcome"),
  q("pong"), q("refreshed"), q("presence"), q("subscribe"), q("__proto__"), q("constructor"), "[]", q(["publish"]),
  "{}", q({ publish: true }),
];
/** `ref` values that are not a string of at most 64 or a safe integer: never echoed. */
// biome-ignore format: a table of hostile values reads better packed
const BAD_REFS = [
  "null", "true", "false", "1.5", "-0.5", "1e309", "-1e309", "9007199254740992", "-9007199254740992",
  q("r".repeat(65)), q("😀".repeat(65)), "[]", q(["r"]), "{}", q({ ref: "r" }),
];
/** `ref` values that are valid, with the value the error frame echoes. */
// biome-ignore format: a table of hostile values reads better packed
const ODD_VALID_REFS: readonly (readonly [string, Ref])[] = [
  [q(""), ""], [q("r".repeat(64)), "r".repeat(64)], ["0", 0], ["-1", -1], ["-0", 0],
  ["9007199254740991", 9007199254740991], ["-9007199254740991", -9007199254740991], ["1.0", 1], ["1e2", 100],
  [q("NaN"), "NaN"], [q("Infinity"), "Infinity"], [q("1e309"), "1e309"], [q("😀"), "😀"], [q("\u0000"), "\u0000"],
  [q("__proto__"), "__proto__"], [q("\uD800"), "\uD800"], [q("😀".repeat(64)), "😀".repeat(64)],
];

/** Server-side fields a client might try to set. */
// biome-ignore format: a table of hostile values reads better packed
const FORGED: readonly (readonly [string, string])[] = [
  ["sender", q({ kind: "api_key", id: "adminacme" })], ["sender", q({ kind: "user", id: "ceo" })],
  ["sender", q("ceo")], ["seq", "1"], ["seq", "0"], ["seq", "-1"], ["seq", "1e309"], ["seq", "9007199254740993"],
  ["id", q("00000000-0000-0000-0000-000000000000")], ["id", "1"], ["ts", "0"], ["ts", "1700000000000"],
  ["room", q("other-room")], ["room", q("../lobby")], ["tenant", q("globex")], ["user", q("ceo")],
  ["connectionId", q("c1")], ["delivered", "1000"],
];

const KNOWN_KEYS = new Set(["type", "event", "payload", "to", "exclude", "ref"]);
// biome-ignore format: a table of hostile values reads better packed
const NAMED_UNKNOWN_KEYS = [
  "kind", "scope", "scopes", "exp", "token", "since", "presence", "audience", "recovered", "code", "message", "Type",
  "TYPE", "EVENT", "Payload", "", " ", "type ", "event\u0000", "\u0000", "payload\u200B", "ref\uFEFF", "😀", "toString",
  "hasOwnProperty", "valueOf", "isPrototypeOf", "__defineGetter__", "__lookupSetter__",
];
const KEY_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-$.é中😀\u200B ";
const UNKNOWN_VALUES = ["true", "null", "1", q("x"), "{}", "[]", "1e309", q({ nested: { deep: [1] } })];

const POLLUTING_KEYS = ["__proto__", "constructor", "prototype"];
const POLLUTION = q({ polluted: "yes" });
/** Payloads that are only data: delivered verbatim, never merged into anything. */
// biome-ignore format: a table of hostile values reads better packed
const POLLUTING_PAYLOADS = [
  `{"__proto__":${POLLUTION}}`, `{"constructor":{"prototype":${POLLUTION}}}`, `{"prototype":${POLLUTION}}`,
  `{"a":{"__proto__":${POLLUTION}}}`, `[{"__proto__":${POLLUTION}}]`, '{"__proto__":null}', '{"__proto__":[]}',
  '{"__proto__":{"toString":"x"},"toString":"y"}', '{"hasOwnProperty":1,"valueOf":2,"toJSON":3}',
  '{"__defineGetter__":1,"__lookupGetter__":2,"isPrototypeOf":3}',
];

/** Valid JSON numbers outside what float64 keeps exactly: accepted as payload, re-serialized by JSON. */
// biome-ignore format: a table of hostile values reads better packed
const ODD_NUMBER_PAYLOADS = [
  "1e309", "-1e309", "[1e309,-1e309]", '{"n":1e309}', "123456789012345678901234567890", "-0", "1e-400", "0.1e1", "1E2",
  "9007199254740993", "-9007199254740993",
];

const CONTROL_CHARS = [
  ...Array.from({ length: 32 }, (_, c) => c),
  0x7f,
  ...Array.from({ length: 32 }, (_, c) => 0x80 + c),
].map((c) => String.fromCharCode(c));

// biome-ignore format: a table of hostile values reads better packed
const UNICODE_EVENTS = [
  "😀", "😀".repeat(64), `${"a".repeat(63)}😀`, "\u202Eevil\u202C", "שלום", "مرحبا", "\u200B", "a\u200Db", "\uFEFF",
  "\uFFFF", "\uFFFE", "e\u0301", "👨‍👩‍👧‍👦", "𝕳𝖊𝖑𝖑𝖔", "\u0301", "Ω≈ç√∫", "__proto__", "constructor",
];
/** Not well-formed UTF-16: refused as event names (labels get displayed), fine inside payloads. */
const ESCAPED_LONE_SURROGATES = LONE_SURROGATES.map(([, s]) => s);
const UNICODE_PAYLOAD = q(
  Object.fromEntries([...UNICODE_EVENTS, ...ESCAPED_LONE_SURROGATES].map((e, i) => [e, [i, e]])),
);

/** Texts that JSON.parse refuses; each is checked by the generator itself. */
// biome-ignore format: a table of hostile values reads better packed
const FIXED_INVALID_JSON = [
  "", " ", "\n", "{", "}", "[", "]", "{}}", "{{}}", "[[]", "nul", "tru", "undefined", "NaN", "Infinity", "-Infinity",
  "'x'", "{'type':'publish'}", '{type:"publish"}', '{"type":"publish",}', '{"type":"publish" "event":"e"}',
  '{"type":"publish",,"event":"e"}', '{"type":"publish"}{"type":"ping"}', '{"type":"ping"} x',
  '{"type":"publish","payload":NaN}', '{"type":"publish","payload":Infinity}',
  '{"type":"publish","payload":-Infinity}', '{"type":"publish","payload":undefined}',
  '{"type":"publish","payload":0x10}', '{"type":"publish","payload":01}', '{"type":"publish","payload":+1}',
  '{"type":"publish","payload":.5}', '{"type":"publish","payload":1.}', '{"type":"publish","payload":1e}',
  '{"type":"publish","payload":-}', '{"type":"publish","payload":"a\u0001b"}', '{"type":"publish","payload":"a\nb"}',
  '{"type":"publish","payload":"a\tb"}', '{"type":"publish","payload":"\\x41"}',
  '{"type":"publish","payload":"\\u12"}', '{"type":"publish","payload":"\\q"}', '{"type":"publish"/*c*/}',
  '// c\n{"type":"ping"}', '{"type":"publish"}\u00A0', '\u2028{"type":"ping"}', '{"a":1,}', "[1,2,]",
  '{"type":"publish","event":"e","payload":1', '"unterminated', '{"type":"publish","event":"e","payload":tru}',
  '{"type":"publish","event":"e","payload":nulL}', '{"__proto__":}', '{"type":"ping"}\u0000', "{\"type\":'ping'}",
];

const FRAME_JSON_BASES = [
  '{"type":"publish","event":"chat","payload":{"text":"hi","n":[1,2.5,-3e2,true,null]},"ref":"r1"}',
  '{"type":"ping"}',
  '{"type":"refresh","token":"abc.def.ghi"}',
];
const BODY_JSON_BASES = [
  '{"event":"chat","payload":{"text":"hi","n":[1,2.5,-3e2,true,null]},"to":{"users":["alice"]},"exclude":{"connections":["c1"]}}',
  '{"event":"e","payload":1}',
];
const BREAKERS = [..."{}[]:,\"\\ 'tfn0-.eE+x\u0000\u00A0"];

/** Every prefix of each base, then seeded random edits; only texts JSON.parse refuses are kept. */
function invalidJsonTexts(rng: Rng, bases: readonly string[], mutations: number): string[] {
  const out = new Set<string>(FIXED_INVALID_JSON);
  for (const base of bases) for (let i = 0; i < base.length; i++) out.add(base.slice(0, i));
  for (let n = 0; n < mutations; n++) {
    const base = rng.pick(bases);
    const at = rng.int(base.length);
    const op = rng.int(3);
    const edited =
      op === 0
        ? base.slice(0, at) + base.slice(at + 1)
        : op === 1
          ? base.slice(0, at) + rng.pick(BREAKERS) + base.slice(at)
          : base.slice(0, at) + rng.pick(BREAKERS) + base.slice(at + 1);
    out.add(edited);
  }
  return [...out].filter(isInvalidJson);
}

const nested = (depth: number, open: string, close: string, core = "1") =>
  `${open.repeat(depth)}${core}${close.repeat(depth)}`;
const deepArray = (depth: number) => nested(depth, "[", "]", "");
/** Exactly `bytes` ASCII bytes: `prefix`, filler, `suffix`. */
export const sized = (bytes: number, prefix: string, suffix: string) =>
  `${prefix}${"a".repeat(bytes - prefix.length - suffix.length)}${suffix}`;

// ---- WebSocket frames ---------------------------------------------------------------------------

export function frameCorpus(seed = DEFAULT_SEED): FrameCase[] {
  const rng = new Rng(seed);
  const cases: FrameCase[] = [];
  let n = 0;
  /** Refs rotate through none, a string and an integer, so echoing is checked in every form. */
  const nextRef = (): Ref | undefined => {
    n++;
    return n % 3 === 0 ? undefined : n % 3 === 1 ? `r-${n}` : n;
  };
  const error = (category: FrameCategory, name: string, data: string | Uint8Array, code: ErrorCode, ref?: Ref) =>
    cases.push({
      name,
      category,
      data,
      async: false,
      expect: ref === undefined ? { kind: "error", code } : { kind: "error", code, ref },
    });
  const invalid = (category: FrameCategory, name: string, edits: [string, string | undefined][]) => {
    const ref = nextRef();
    error(category, name, publishText(edits, ref === undefined ? undefined : q(ref)), "invalid_message", ref);
  };
  const accepted = (category: FrameCategory, name: string, data: string) => {
    const ref = `ok-${++n}`;
    const text = data.replace(/}$/, `,"ref":${q(ref)}}`);
    cases.push({ name, category, data: text, async: false, expect: { kind: "ack", ref, delivers: deliveryOf(text) } });
  };
  const publish = (event: string, payload: string) =>
    objectText([
      ["type", q("publish")],
      ["event", event],
      ["payload", payload],
    ]);

  // Binary frames are refused whatever they hold; invalid UTF-8 can only travel in one.
  error("binary", "empty binary frame", new Uint8Array(0), "unsupported");
  error("binary", "a ping as binary", utf8('{"type":"ping"}'), "unsupported");
  error("binary", "a valid publish as binary", utf8(publish(BASE_EVENT, BASE_PAYLOAD)), "unsupported");
  error("binary", "one NUL byte", new Uint8Array(1), "unsupported");
  error("binary", "100 KB of zeros", new Uint8Array(100_000), "unsupported");
  error("binary", "1 MiB + 1 of zeros", new Uint8Array(MiB + 1), "unsupported");
  for (let i = 0; i < 40; i++) {
    const bytes = Uint8Array.from({ length: 1 + rng.int(512) }, () => rng.int(256));
    error("binary", `random bytes #${i} (${bytes.length})`, bytes, "unsupported");
  }
  for (const s of INVALID_UTF8) {
    error("invalid-utf8", `${s.name} bare`, new Uint8Array(s.bytes), "unsupported");
    error(
      "invalid-utf8",
      `${s.name} in event`,
      concatBytes('{"type":"publish","event":"a', s.bytes, '","payload":1}'),
      "unsupported",
    );
    error(
      "invalid-utf8",
      `${s.name} in payload`,
      concatBytes('{"type":"publish","event":"e","payload":"', s.bytes, '"}'),
      "unsupported",
    );
  }
  // Invalid UTF-8 in a text frame (see asReceived): decoded with replacement, like an HTTP body.
  for (const [name, raw] of LONE_SURROGATES) {
    accepted("invalid-utf8", `text frame: ${name} in event`, `{"type":"publish","event":"a${raw}b","payload":1}`);
    accepted("invalid-utf8", `text frame: ${name} in payload`, `{"type":"publish","event":"e","payload":"${raw}"}`);
    invalid("invalid-utf8", `text frame: ${name} in a key`, [[`pay${raw}load`, "1"]]);
    error("invalid-utf8", `text frame: ${name} before the object`, `${raw}{"type":"ping"}`, "invalid_json");
    error(
      "invalid-utf8",
      `text frame: ${name} between members`,
      `{"type":"publish",${raw}"event":"e","payload":1}`,
      "invalid_json",
    );
  }

  for (const text of invalidJsonTexts(rng, FRAME_JSON_BASES, 320))
    error("invalid-json", `invalid JSON ${q(text.slice(0, 40))}`, text, "invalid_json");
  error("invalid-json", "a leading byte order mark", '\uFEFF{"type":"ping"}', "invalid_json");
  error("invalid-json", "10,000 unclosed arrays", "[".repeat(10_000), "invalid_json");
  error("invalid-json", "10,000 unclosed objects", '{"a":'.repeat(10_000), "invalid_json");
  error("invalid-json", "10,000 unopened arrays", "]".repeat(10_000), "invalid_json");

  // Depth is bounded only by size: JSON.parse and JSON.stringify handle every depth that fits.
  for (const depth of [1_000, 10_000, 32_000])
    accepted("deep-nesting", `payload ${depth} arrays deep`, publish(BASE_EVENT, deepArray(depth)));
  accepted("deep-nesting", "payload 10,000 objects deep", publish(BASE_EVENT, nested(10_000, '{"a":', "}")));
  accepted("deep-nesting", "payload 5,000 mixed levels deep", publish(BASE_EVENT, nested(5_000, '[{"a":', "}]")));
  error(
    "deep-nesting",
    "payload 40,000 arrays deep: fits the frame, not the payload limit",
    `{"type":"publish","event":"e","ref":"deep","payload":${deepArray(40_000)}}`,
    "payload_too_large",
    "deep",
  );
  error(
    "deep-nesting",
    "payload 100,000 arrays deep: over the frame limit",
    publish(BASE_EVENT, deepArray(100_000)),
    "payload_too_large",
  );
  for (const field of ["event", "to", "exclude", "sender"])
    invalid("deep-nesting", `${field} 10,000 arrays deep`, [[field, deepArray(10_000)]]);
  invalid("deep-nesting", "to.users 10,000 arrays deep", [["to", `{"users":${deepArray(10_000)}}`]]);
  error("deep-nesting", "ref 10,000 arrays deep", publishText([["ref", deepArray(10_000)]]), "invalid_message");
  error("deep-nesting", "the whole frame 10,000 arrays deep", deepArray(10_000), "invalid_message");
  error("deep-nesting", "the whole frame 10,000 objects deep", nested(10_000, '{"a":', "}"), "invalid_message");

  const exact = "a".repeat(MAX_PAYLOAD_BYTES - 2);
  accepted("huge", "payload of exactly the limit", publish(BASE_EVENT, q(exact)));
  const big = (name: string, payload: string, ref: string) =>
    error(
      "huge",
      name,
      `{"type":"publish","event":"e","ref":${q(ref)},"payload":${payload}}`,
      "payload_too_large",
      ref,
    );
  big("payload one byte over the limit", q(`${exact}a`), "huge-1");
  big("payload over the limit only in UTF-8 bytes (€)", q("€".repeat(MAX_PAYLOAD_BYTES / 3 + 1)), "huge-2");
  big("payload of 16,385 emoji", q("😀".repeat(16_385)), "huge-3");
  big("payload over the limit only once escaped (NUL)", q("\u0000".repeat(MAX_PAYLOAD_BYTES / 6 + 1)), "huge-4");
  big(
    "payload of 7,000 small keys",
    q(Object.fromEntries(Array.from({ length: 7_000 }, (_, i) => [`k${i}`, 1]))),
    "huge-5",
  );
  const frameOf = (bytes: number, ref: number) =>
    sized(bytes, `{"type":"publish","event":"e","ref":${ref},"payload":"`, '"}');
  error("huge", "frame of exactly the frame limit", frameOf(MAX_FRAME_BYTES, 7), "payload_too_large", 7);
  error("huge", "frame one byte over the frame limit", frameOf(MAX_FRAME_BYTES + 1, 8), "payload_too_large");
  error("huge", "frame of 1 MiB + 1", frameOf(MiB + 1, 9), "payload_too_large");
  error("huge", "frame of 4 MiB", frameOf(4 * MiB, 10), "payload_too_large");
  invalid("huge", "event of 10,000 characters", [["event", q("e".repeat(10_000))]]);
  invalid("huge", "unknown field of 60,000 characters", [["junk", q("j".repeat(60_000))]]);
  error("huge", "ref of 70,000 characters", publishText([], q("r".repeat(70_000))), "invalid_message");

  for (const type of [...BAD_TYPES, undefined])
    for (let i = 0; i < 3; i++) invalid("wrong-type", `type ${type ?? "missing"}`, [["type", type]]);
  for (const event of [...BAD_EVENTS, undefined])
    for (let i = 0; i < 3; i++) invalid("wrong-type", `event ${event ?? "missing"}`, [["event", event]]);
  for (let i = 0; i < 3; i++) invalid("wrong-type", "payload missing", [["payload", undefined]]);
  for (const to of BAD_TARGETS)
    for (let i = 0; i < 3; i++) invalid("wrong-type", `to ${to.slice(0, 40)}`, [["to", to]]);
  for (const ex of BAD_EXCLUDES)
    for (let i = 0; i < 3; i++) invalid("wrong-type", `exclude ${ex.slice(0, 40)}`, [["exclude", ex]]);
  for (const ref of BAD_REFS) error("wrong-type", `ref ${ref.slice(0, 40)}`, publishText([], ref), "invalid_message");
  for (const [raw, echo] of ODD_VALID_REFS)
    error(
      "wrong-type",
      `valid ref ${raw.slice(0, 40)} on a bad frame`,
      publishText([["event", undefined]], raw),
      "invalid_message",
      echo,
    );
  const refreshBad: [string, string][] = [
    ["token 123", "123"],
    ["token null", "null"],
    ["token empty", q("")],
    ["token over 8192", q("t".repeat(8193))],
    ["token list", q(["a.b.c"])],
  ];
  for (const [name, token] of refreshBad)
    error(
      "wrong-type",
      `refresh ${name}`,
      objectText([
        ["type", q("refresh")],
        ["token", token],
      ]),
      "invalid_message",
    );
  error("wrong-type", "refresh without token", '{"type":"refresh"}', "invalid_message");
  error("wrong-type", "refresh with a ref", '{"type":"refresh","token":"a.b.c","ref":"rf"}', "invalid_message", "rf");
  error("wrong-type", "ping with a ref", '{"type":"ping","ref":9}', "invalid_message", 9);
  error("wrong-type", "ping with a payload", '{"type":"ping","payload":1}', "invalid_message");
  for (const text of ["[]", "null", "1", q("publish"), "true", '[{"type":"ping"}]'])
    error("wrong-type", `frame ${text}`, text, "invalid_message");

  const unknownKeys = new Set(NAMED_UNKNOWN_KEYS);
  while (unknownKeys.size < NAMED_UNKNOWN_KEYS.length + 200) {
    const key = rng.string(1 + rng.int(24), KEY_ALPHABET);
    if (!KNOWN_KEYS.has(key)) unknownKeys.add(key);
  }
  for (const key of unknownKeys) invalid("unknown-field", `unknown field ${q(key)}`, [[key, rng.pick(UNKNOWN_VALUES)]]);

  for (const [key, value] of FORGED)
    for (let i = 0; i < 3; i++) invalid("forged", `forged ${key} ${value.slice(0, 30)}`, [[key, value]]);
  const serverFrames: [string, string, Ref | undefined][] = [
    [
      "message",
      objectText([
        ["type", q("message")],
        ["id", q("x")],
        ["seq", "1"],
        ["room", q("r")],
        ["event", q("e")],
        ["payload", "1"],
        ["sender", q({ kind: "api_key", id: "adminacme" })],
        ["ts", "1"],
      ]),
      undefined,
    ],
    ["ack", '{"type":"ack","ref":"fa","id":"x","seq":1,"delivered":1}', "fa"],
    ["welcome", '{"type":"welcome","connectionId":"c","room":"r","user":"ceo","seq":0}', undefined],
    ["error", '{"type":"error","code":"internal","message":"x","ref":3}', 3],
    ["refreshed", '{"type":"refreshed","exp":99999999999}', undefined],
    ["presence", '{"type":"presence","action":"join","user":"ceo","connectionId":"c"}', undefined],
    ["pong", '{"type":"pong"}', undefined],
  ];
  for (const [name, text, ref] of serverFrames)
    error("forged", `a server ${name} frame sent back`, text, "invalid_message", ref);

  for (const key of POLLUTING_KEYS) {
    for (let i = 0; i < 2; i++) invalid("prototype-pollution", `top-level ${key}`, [[key, POLLUTION]]);
    invalid("prototype-pollution", `${key} inside to`, [["to", `{${q(key)}:{"users":["alice"]}}`]]);
    invalid("prototype-pollution", `${key} beside to.users`, [["to", `{"users":["alice"],${q(key)}:[]}`]]);
    invalid("prototype-pollution", `${key} inside exclude`, [["exclude", `{${q(key)}:{"connections":["c1"]}}`]]);
    invalid("prototype-pollution", `${key} as to.users`, [["to", `{"users":{${q(key)}:[]}}`]]);
  }
  for (const payload of POLLUTING_PAYLOADS)
    accepted("prototype-pollution", `payload ${payload.slice(0, 40)}`, publish(BASE_EVENT, payload));
  for (const key of POLLUTING_KEYS) accepted("prototype-pollution", `event ${key}`, publish(q(key), BASE_PAYLOAD));

  for (const payload of ODD_NUMBER_PAYLOADS) accepted("numbers", `payload ${payload}`, publish(BASE_EVENT, payload));
  for (const event of ["1e309", "-0", "123456789012345678901234567890"])
    invalid("numbers", `event ${event}`, [["event", event]]);

  // Events are labels of 1-64 code points: control characters and lone surrogates are refused.
  for (const c of CONTROL_CHARS)
    invalid("control-chars", `event U+${c.charCodeAt(0).toString(16).padStart(4, "0")}`, [["event", q(c)]]);
  for (const s of ESCAPED_LONE_SURROGATES) invalid("unicode", `event ${q(s)}`, [["event", q(s)]]);
  accepted("control-chars", "payload of every control character", publish(BASE_EVENT, q(CONTROL_CHARS.join(""))));

  for (const event of UNICODE_EVENTS) accepted("unicode", `event ${q(event)}`, publish(q(event), BASE_PAYLOAD));
  accepted("unicode", "payload of unicode keys and values", publish(BASE_EVENT, UNICODE_PAYLOAD));
  for (const event of ["😀".repeat(65), `${"a".repeat(64)}😀`, "\u200B".repeat(65), "\uD800".repeat(65)])
    invalid("unicode", `event of ${[...event].length} code points`, [["event", q(event)]]);

  const claims = { sub: "mallory", tenant: "acme", exp: 4_102_444_800 };
  const refresh = (name: string, token: string, code: ErrorCode) =>
    cases.push({
      name: `refresh with ${name}`,
      category: "refresh",
      data: q({ type: "refresh", token }),
      async: true,
      expect: { kind: "error", code },
    });
  refresh("a word", "x", "invalid_token");
  refresh("three garbage parts", "a.b.c", "invalid_token");
  refresh("five parts (JWE)", "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d", "invalid_token");
  refresh("exactly 8192 characters", "t".repeat(8192), "invalid_token");
  refresh("alg none", forgedJwt({ alg: "none" }, claims, ""), "invalid_algorithm");
  refresh("alg HS512", forgedJwt({ alg: "HS512" }, claims), "invalid_algorithm");
  refresh("a forged HS256 signature", forgedJwt({ alg: "HS256" }, claims), "invalid_signature");
  refresh("an unknown kid", forgedJwt({ alg: "ES256", kid: "../../etc/passwd" }, claims), "unknown_key");
  refresh("no alg", forgedJwt({ typ: "JWT" }, claims), "invalid_token");
  return cases;
}

// ---- HTTP requests ------------------------------------------------------------------------------

const STATUS: Partial<Record<ErrorCode, number>> = {
  invalid_json: 400,
  invalid_body: 400,
  invalid_room: 400,
  invalid_query: 400,
  invalid_filter: 400,
  not_found: 404,
  payload_too_large: 413,
  unsupported_media_type: 415,
};
const MESSAGES = "/v1/rooms/{room}/messages";

export function httpCorpus(seed = DEFAULT_SEED): HttpCaseWithExpect[] {
  const rng = new Rng(seed ^ 0x4874_7470);
  const cases: HttpCaseWithExpect[] = [];
  const base: HttpCase = {
    name: "",
    category: "invalid-json",
    method: "POST",
    path: MESSAGES,
    upgrade: false,
    body: undefined,
    contentType: "application/json",
    stream: false,
  };
  const add = (c: Partial<HttpCase> & Pick<HttpCase, "name" | "category">, expect: HttpExpect) =>
    cases.push({ ...base, ...c, expect });
  const error = (
    category: HttpCategory,
    name: string,
    body: string | Uint8Array | undefined,
    code: ErrorCode,
    more: Partial<HttpCase> = {},
  ) => add({ name, category, body, ...more }, { kind: "error", status: STATUS[code] ?? 0, code });
  const invalid = (category: HttpCategory, name: string, edits: [string, string | undefined][]) =>
    error(category, name, publishText(edits, undefined, false), "invalid_body");
  const accepted = (category: HttpCategory, name: string, body: string | Uint8Array, delivers?: Delivery) =>
    add(
      { name, category, body },
      {
        kind: "accepted",
        delivers: delivers ?? deliveryOf(typeof body === "string" ? body : new TextDecoder().decode(body)),
      },
    );
  const publish = (event: string, payload: string) =>
    objectText([
      ["event", event],
      ["payload", payload],
    ]);

  // Request.json() decodes UTF-8 with replacement (WHATWG), so invalid bytes inside a string arrive
  // as U+FFFD and the publish is accepted; outside strings the text no longer parses.
  for (const s of INVALID_UTF8) {
    error(
      "invalid-utf8",
      `${s.name} before the object`,
      concatBytes(s.bytes, publish(BASE_EVENT, BASE_PAYLOAD)),
      "invalid_json",
    );
    error(
      "invalid-utf8",
      `${s.name} between members`,
      concatBytes('{"event":"e",', s.bytes, '"payload":1}'),
      "invalid_json",
    );
    error("invalid-utf8", `${s.name} in a key`, concatBytes('{"event":"e","pay', s.bytes, 'load":1}'), "invalid_body");
    accepted("invalid-utf8", `${s.name} in event`, concatBytes('{"event":"a', s.bytes, '","payload":1}'), {
      event: `a${s.decoded}`,
      payloadJson: "1",
    });
    accepted("invalid-utf8", `${s.name} in payload`, concatBytes('{"event":"e","payload":"', s.bytes, '"}'), {
      event: "e",
      payloadJson: q(s.decoded),
    });
  }
  for (const [name, raw] of LONE_SURROGATES) {
    accepted("invalid-utf8", `string body: ${name} in event`, `{"event":"a${raw}b","payload":1}`);
    accepted("invalid-utf8", `string body: ${name} in payload`, `{"event":"e","payload":"${raw}"}`);
    invalid("invalid-utf8", `string body: ${name} in a key`, [[`pay${raw}load`, "1"]]);
    error("invalid-utf8", `string body: ${name} before the object`, `${raw}{"event":"e","payload":1}`, "invalid_json");
  }
  for (let made = 0; made < 30; ) {
    const bytes = Uint8Array.from({ length: 1 + rng.int(64) }, () =>
      rng.int(2) === 0 ? 0x80 + rng.int(128) : rng.pick([...utf8('{}[]":,1a ')]),
    );
    if (!isInvalidJson(new TextDecoder().decode(bytes))) continue;
    error("invalid-utf8", `random bytes #${made++}`, bytes, "invalid_json");
  }

  for (const text of invalidJsonTexts(rng, BODY_JSON_BASES, 320))
    error("invalid-json", `invalid JSON ${q(text.slice(0, 40))}`, text, "invalid_json");
  error("invalid-json", "10,000 unclosed arrays", "[".repeat(10_000), "invalid_json");
  error("invalid-json", "10,000 unclosed objects", '{"a":'.repeat(10_000), "invalid_json");

  for (const depth of [1_000, 10_000, 32_000])
    accepted("deep-nesting", `payload ${depth} arrays deep`, publish(BASE_EVENT, deepArray(depth)));
  accepted("deep-nesting", "payload 10,000 objects deep", publish(BASE_EVENT, nested(10_000, '{"a":', "}")));
  error(
    "deep-nesting",
    "payload 40,000 arrays deep: fits the body, not the payload limit",
    publish(BASE_EVENT, deepArray(40_000)),
    "payload_too_large",
  );
  error(
    "deep-nesting",
    "payload 100,000 arrays deep: over the body limit",
    publish(BASE_EVENT, deepArray(100_000)),
    "payload_too_large",
  );
  for (const field of ["event", "to", "exclude", "sender"])
    invalid("deep-nesting", `${field} 10,000 arrays deep`, [[field, deepArray(10_000)]]);
  error("deep-nesting", "the whole body 10,000 arrays deep", deepArray(10_000), "invalid_body");

  const exact = "a".repeat(MAX_PAYLOAD_BYTES - 2);
  accepted("huge", "payload of exactly the limit", publish(BASE_EVENT, q(exact)));
  error("huge", "payload one byte over the limit", publish(BASE_EVENT, q(`${exact}a`)), "payload_too_large");
  error(
    "huge",
    "payload over the limit only in UTF-8 bytes",
    publish(BASE_EVENT, q("€".repeat(MAX_PAYLOAD_BYTES / 3 + 1))),
    "payload_too_large",
  );
  error(
    "huge",
    "payload over the limit only once escaped",
    publish(BASE_EVENT, q("\u0000".repeat(MAX_PAYLOAD_BYTES / 6 + 1))),
    "payload_too_large",
  );
  const bodyOf = (bytes: number) => sized(bytes, '{"event":"e","payload":"', '"}');
  error("huge", "body of exactly the body limit", bodyOf(MAX_FRAME_BYTES), "payload_too_large");
  error("huge", "body one byte over the body limit", bodyOf(MAX_FRAME_BYTES + 1), "payload_too_large");
  error("huge", "body of 1 MiB + 1", bodyOf(MiB + 1), "payload_too_large");
  error("huge", "body of 10 MiB", bodyOf(10 * MiB), "payload_too_large");
  error("huge", "body of 10 MiB streamed without a length", bodyOf(10 * MiB), "payload_too_large", { stream: true });
  error("huge", "body of 1 MiB + 1 streamed, invalid JSON", `{${"x".repeat(MiB)}`, "payload_too_large", {
    stream: true,
  });
  error(
    "huge",
    "a bad body over the body limit is refused for its size first",
    publish(BASE_EVENT, q("a".repeat(MAX_FRAME_BYTES))).replace(/}$/, ',"junk":1}'),
    "payload_too_large",
  );
  invalid("huge", "event of 10,000 characters", [["event", q("e".repeat(10_000))]]);
  invalid("huge", "unknown field of 60,000 characters", [["junk", q("j".repeat(60_000))]]);

  // A batch takes what its own messages may take, and each element what the single route would.
  const BATCH = `${MESSAGES}/batch`;
  const longTo = q({ users: Array.from({ length: 1000 }, (_, i) => `${i}`.padStart(150, "u")) });
  const element = publish(BASE_EVENT, BASE_PAYLOAD);
  const batchOf = (...elements: string[]) => `{"messages":[${elements.join(",")}]}`;
  const batchCases: [string, string, boolean?][] = [
    ["a one-message batch padded to 200 kB", `${batchOf(element)}${" ".repeat(200_000)}`],
    [
      "a two-message batch padded past two messages' worth",
      `${batchOf(element, element)}${" ".repeat(2 * MAX_FRAME_BYTES)}`,
    ],
    [
      "a one-message batch whose to list the single route would cut off",
      batchOf(publishText([["to", longTo]], undefined, false)),
    ],
    [
      "a to list over the limit beside small elements",
      batchOf(element, publishText([["to", longTo]], undefined, false), element),
    ],
    [
      "a batch body over 100 messages' worth, streamed",
      `{"messages":[${element}${" ".repeat(100 * MAX_FRAME_BYTES)}]}`,
      true,
    ],
  ];
  for (const [name, body, stream] of batchCases)
    error("huge", name, body, "payload_too_large", { path: BATCH, stream: stream === true });

  for (const event of [...BAD_EVENTS, undefined])
    invalid("wrong-type", `event ${event ?? "missing"}`, [["event", event]]);
  invalid("wrong-type", "payload missing", [["payload", undefined]]);
  invalid("wrong-type", "event and payload missing", [
    ["event", undefined],
    ["payload", undefined],
  ]);
  for (const to of BAD_TARGETS) invalid("wrong-type", `to ${to.slice(0, 40)}`, [["to", to]]);
  for (const ex of BAD_EXCLUDES) invalid("wrong-type", `exclude ${ex.slice(0, 40)}`, [["exclude", ex]]);
  for (const [raw] of [...ODD_VALID_REFS.slice(0, 4), ...BAD_REFS.map((r) => [r] as const)])
    invalid("wrong-type", `a frame-only ref ${raw.slice(0, 30)}`, [["ref", raw]]);
  for (const type of ['"publish"', ...BAD_TYPES.slice(0, 6)])
    invalid("wrong-type", `a frame-only type ${type}`, [["type", type]]);
  for (const text of ["[]", "null", "1", q("publish"), "true", "{}", '[{"event":"e","payload":1}]'])
    error("wrong-type", `body ${text}`, text, "invalid_body");

  const unknownKeys = new Set(NAMED_UNKNOWN_KEYS);
  while (unknownKeys.size < NAMED_UNKNOWN_KEYS.length + 180) {
    const key = rng.string(1 + rng.int(24), KEY_ALPHABET);
    if (!KNOWN_KEYS.has(key)) unknownKeys.add(key);
  }
  for (const key of unknownKeys) invalid("unknown-field", `unknown field ${q(key)}`, [[key, rng.pick(UNKNOWN_VALUES)]]);
  for (const [key, value] of FORGED) invalid("forged", `forged ${key} ${value.slice(0, 30)}`, [[key, value]]);

  for (const key of POLLUTING_KEYS) {
    invalid("prototype-pollution", `top-level ${key}`, [[key, POLLUTION]]);
    invalid("prototype-pollution", `${key} inside to`, [["to", `{${q(key)}:{"users":["alice"]}}`]]);
    invalid("prototype-pollution", `${key} beside to.users`, [["to", `{"users":["alice"],${q(key)}:[]}`]]);
    invalid("prototype-pollution", `${key} inside exclude`, [["exclude", `{${q(key)}:{"connections":["c1"]}}`]]);
    accepted("prototype-pollution", `event ${key}`, publish(q(key), BASE_PAYLOAD));
  }
  for (const payload of POLLUTING_PAYLOADS)
    accepted("prototype-pollution", `payload ${payload.slice(0, 40)}`, publish(BASE_EVENT, payload));

  for (const payload of ODD_NUMBER_PAYLOADS) accepted("numbers", `payload ${payload}`, publish(BASE_EVENT, payload));
  for (const event of ["1e309", "-0", "123456789012345678901234567890"])
    invalid("numbers", `event ${event}`, [["event", event]]);

  for (const c of CONTROL_CHARS)
    invalid("control-chars", `event U+${c.charCodeAt(0).toString(16).padStart(4, "0")}`, [["event", q(c)]]);
  for (const s of ESCAPED_LONE_SURROGATES) invalid("unicode", `event ${q(s)}`, [["event", q(s)]]);
  for (const event of UNICODE_EVENTS) accepted("unicode", `event ${q(event)}`, publish(q(event), BASE_PAYLOAD));
  accepted("unicode", "payload of unicode keys and values", publish(BASE_EVENT, UNICODE_PAYLOAD));
  accepted(
    "unicode",
    "a leading byte order mark (stripped by the UTF-8 decoder)",
    `\uFEFF${publish(BASE_EVENT, BASE_PAYLOAD)}`,
    { event: "hostile", payloadJson: BASE_PAYLOAD },
  );
  for (const event of ["😀".repeat(65), `${"a".repeat(64)}😀`, "\uD800".repeat(65)])
    invalid("unicode", `event of ${[...event].length} code points`, [["event", q(event)]]);

  // The body is only read as JSON when the request says it is JSON; otherwise the header is refused.
  const valid = publish(BASE_EVENT, BASE_PAYLOAD);
  for (const type of [
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/jsonx",
    "json",
  ])
    error("content-type", `content-type ${type}`, valid, "unsupported_media_type", { contentType: type });
  error("content-type", "no content-type", valid, "unsupported_media_type", { contentType: null });
  error("content-type", "no body at all", undefined, "invalid_json");

  // Room names: 1-128 of [A-Za-z0-9_.:-], after percent-decoding; checked before any credential.
  // biome-ignore format: a table of hostile values reads better packed
  const badRooms = [
    ...Array.from({ length: 32 }, (_, c) => `a%${c.toString(16).padStart(2, "0").toUpperCase()}b`), "a%7Fb",
    "a%C2%80b", "a%C2%9Fb", "caf%C3%A9", "%E2%80%AEevil", "a%E2%80%8Bb", "%F0%9F%98%80", "%D7%A9%D7%9C%D7%95%D7%9D",
    "%EF%BC%A1", "a%C2%A0b", "%ED%A0%80", "%FF", "%ZZ", "a%20b", "a+b", "a%2Fb", "a%5Cb", "%25", "a%3Fb", "a%23b",
    "a*b", "a'b", "a%22b", "%3Cscript%3E", "r".repeat(129), "a%2F..%2F..%2Fb", "a,b", "a;b", "a@b", "~a", "a%2Bb",
  ];
  for (const room of badRooms) {
    error("room", `publish to room ${room.slice(0, 30)}`, valid, "invalid_room", {
      path: `/v1/rooms/${room}/messages`,
    });
    error("room", `connect to room ${room.slice(0, 30)}`, undefined, "invalid_room", {
      method: "GET",
      path: `/v1/rooms/${room}/ws`,
      upgrade: true,
      contentType: null,
    });
  }
  // Dot segments and empty names never reach the room's route: an empty name matches no route, and
  // `/v1/rooms/../messages` resolves to `/v1/messages` (one message to many rooms), which refuses a
  // body that names no rooms.
  error("room", `publish to room ""`, valid, "not_found", { path: "/v1/rooms//messages" });
  for (const room of ["%2E%2E", ".%2e"])
    error("room", `publish to room ${q(room)}`, valid, "invalid_body", { path: `/v1/rooms/${room}/messages` });

  // Numbers where the contract expects sequence numbers: NaN-like, negative, huge, fractional.
  // biome-ignore format: a table of hostile values reads better packed
  const badNumbers = [
    "-1", "1e309", "NaN", "Infinity", "1.5", "0x10", "%201", "1%20", "9999999999999999", "abc", "%00", "1e3", "-0",
    "%2B1",
  ];
  for (const v of badNumbers) {
    error("query", `history since=${v}`, undefined, "invalid_query", {
      method: "GET",
      path: `${MESSAGES}?since=${v}`,
      contentType: null,
    });
    error("query", `history limit=${v}`, undefined, "invalid_query", {
      method: "GET",
      path: `${MESSAGES}?limit=${v}`,
      contentType: null,
    });
  }
  for (const v of ["0", "1001", "10000"])
    error("query", `history limit=${v}`, undefined, "invalid_query", {
      method: "GET",
      path: `${MESSAGES}?limit=${v}`,
      contentType: null,
    });
  for (const v of ["-1", "1e309", "NaN", "9999999999999999"])
    error("query", `connect since=${v}`, undefined, "invalid_query", {
      method: "GET",
      path: `/v1/rooms/{room}/ws?since=${v}`,
      upgrade: true,
      contentType: null,
    });
  error("query", "connect presence=yes", undefined, "invalid_query", {
    method: "GET",
    path: "/v1/rooms/{room}/ws?presence=yes",
    upgrade: true,
    contentType: null,
  });
  // Filters that cost per entry: refused by their count once the 17th entry is seen, whatever follows.
  const sixteenPairs = Array.from({ length: 16 }, (_, i) => `k:v${i}`).join(",");
  // biome-ignore format: a table of hostile values reads better packed
  const badFilters = [
    `tags=${"a:b,".repeat(16_000)}a:b`, `tags=${sixteenPairs},NOT-A-PAIR`, `tags=${sixteenPairs},BAD%20KEY:v`,
    `events=${"e,".repeat(16_000)}e`, `events=${"e,".repeat(16)}%07`, `tags=${",".repeat(20_000)}`,
    `tags=${"k:".repeat(20_000)}`, `tags=a:${"v".repeat(60_000)}`, `events=${"x".repeat(60_000)}`,
  ];
  for (const query of badFilters) {
    error("query", `connect ${query.slice(0, 40)}`, undefined, "invalid_filter", {
      method: "GET",
      path: `/v1/rooms/{room}/ws?${query}`,
      upgrade: true,
      contentType: null,
    });
    error("query", `history ${query.slice(0, 40)}`, undefined, "invalid_filter", {
      method: "GET",
      path: `${MESSAGES}?${query}`,
      contentType: null,
    });
  }
  return cases;
}

/** Case counts by category, for the closing figures. */
export function countByCategory(cases: readonly { category: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const c of cases) counts[c.category] = (counts[c.category] ?? 0) + 1;
  return counts;
}

// ---- Rows a reader may not see (history and resume cost) ----------------------------------------

/** Publishes targeted at others, and the reads an outsider makes over them. */
export type AudienceCorpus = {
  /** Publish bodies (HTTP syntax), each targeted at `audienceSize` users none of whom reads. */
  publishes: string[];
  /** History queries (`?…`) an outsider sends over those rows; each must cost what it may see. */
  reads: { name: string; query: string }[];
};

/**
 * Messages targeted at 1,000 long user ids each (the most a `to` list holds, about 40 KB of ids),
 * with events and tags a filter can name, and the reads of an outsider: one message, a whole page,
 * filters that match them and filters that match nothing. Before the fix, every such read parsed
 * every row's audience before deciding it was not the reader's.
 */
export function audienceCorpus(seed = DEFAULT_SEED, messages = 40, audienceSize = 1000): AudienceCorpus {
  const rng = new Rng(seed ^ 0x4175_6469);
  const publishes = Array.from({ length: messages }, (_, i) =>
    q({
      event: i % 2 === 0 ? "order.paid" : "chat",
      tags: { region: rng.pick(["eu", "us"]) },
      payload: { n: i },
      to: { users: Array.from({ length: audienceSize }, () => `target-${rng.string(32, KEY_ALPHABET)}`) },
    }),
  );
  const reads = [
    ["one message", "?limit=1"],
    ["a whole page", "?limit=1000"],
    ["an event filter that matches the targeted rows", "?limit=1&events=order.*"],
    ["an event filter that matches nothing", "?limit=1&events=nothing"],
    ["a tag filter that matches the targeted rows", "?limit=1&tags=region:eu"],
    ["a tag filter that matches nothing", "?limit=1&tags=region:mars"],
  ].map(([name, query]) => ({ name: `an outsider reads ${name}`, query: query as string }));
  return { publishes, reads };
}
