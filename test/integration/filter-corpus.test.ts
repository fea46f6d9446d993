// A corpus of bad filters and tags, each sent every way the gateway reads one, answered with the
// code the README documents: a connect's or a history read's query → 400 invalid_filter, a filter
// frame → invalid_message (the socket's filter unchanged), tags on an HTTP publish → 400
// invalid_body (a batch names the element), tags on a WS publish → invalid_message. Afterwards the
// room still delivers, by their filters, to the sockets that sent all of it.
import { beforeAll, describe, expect, it } from "vitest";
import {
  connect,
  errorOf,
  freshRoom,
  postJson,
  publishHttp,
  request,
  type TestSocket,
  upgrade,
  WARM_UP_MS,
  warmUp,
} from "../support/gateway.ts";
import { apiKey, signToken, uniqueSub } from "../support/tokens.ts";

beforeAll(warmUp, WARM_UP_MS);

/** Below ABUSE_STRIKES (10): the refusals here must not close the socket. */
const STRIKES_PER_SOCKET = 5;
const long = (n: number, c = "x") => c.repeat(n);
const many = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i));

/** Bad filters as a query states them (`events`, `tags`) and as a filter frame does. */
// biome-ignore format: a table of hostile values reads better packed
const BAD_FILTER_QUERIES: readonly { name: string; events?: string; tags?: string }[] = [
  { name: "an empty event entry", events: "a,,b" }, { name: "a trailing comma", events: "a," },
  { name: "an event entry over 64 characters", events: long(65) }, { name: "65 emoji", events: long(65, "😀") },
  { name: "an event with a control character", events: "a\u0007" }, { name: "an event with a newline", events: "a\nb" },
  { name: "17 event entries", events: many(17, (i) => `e${i}`).join(",") },
  { name: "a tag without a colon", tags: "region" }, { name: "an upper-case tag key", tags: "Region:eu" },
  { name: "a tag key with a space", tags: "re gion:eu" }, { name: "a tag key over 32 characters", tags: `${long(33, "k")}:v` },
  { name: "an empty tag key", tags: ":v" }, { name: "an empty tag value", tags: "region:" },
  { name: "a tag value over 64 characters", tags: `region:${long(65, "v")}` },
  { name: "a tag value with a control character", tags: "region:e\u0000u" },
  { name: "17 tag pairs", tags: many(17, (i) => `k:v${i}`).join(",") }, { name: "the key __proto__", tags: "__proto__:x" },
  { name: "an empty tag pair", tags: "region:eu,,tier:gold" },
];

// biome-ignore format: a table of hostile values reads better packed
const BAD_FILTER_FRAMES: readonly { name: string; frame: Record<string, unknown> }[] = [
  { name: "an empty event", frame: { events: [""] } }, { name: "a number event", frame: { events: [1] } },
  { name: "events as a string", frame: { events: "a" } }, { name: "events as null", frame: { events: null } },
  { name: "an event over 64 characters", frame: { events: [long(65)] } },
  { name: "17 events", frame: { events: many(17, (i) => `e${i}`) } },
  { name: "tags as a list", frame: { tags: [["region", "eu"]] } }, { name: "a tag value not in a list", frame: { tags: { region: "eu" } } },
  { name: "a tag key with no values", frame: { tags: { region: [] } } }, { name: "an upper-case tag key", frame: { tags: { Region: ["eu"] } } },
  { name: "a number tag value", frame: { tags: { region: [1] } } }, { name: "an empty tag value", frame: { tags: { region: [""] } } },
  { name: "17 tag values", frame: { tags: { k: many(17, (i) => `v${i}`) } } },
  { name: "an unknown field", frame: { events: ["a"], extra: true } },
];

/** Tags a publish may not carry: at most 8, keys 1-32 of [a-z0-9_.-], string values of 1-64 characters. */
// biome-ignore format: a table of hostile values reads better packed
const BAD_TAGS: readonly { name: string; tags: unknown }[] = [
  { name: "tags as a list", tags: [["region", "eu"]] }, { name: "tags as a string", tags: "region:eu" },
  { name: "tags as null", tags: null }, { name: "nine tags", tags: Object.fromEntries(many(9, (i) => `k${i}`).map((k) => [k, "v"])) },
  { name: "an upper-case key", tags: { Region: "eu" } }, { name: "a key with a space", tags: { "re gion": "eu" } },
  { name: "a key over 32 characters", tags: { [long(33, "k")]: "v" } }, { name: "an empty key", tags: { "": "v" } },
  { name: "an empty value", tags: { region: "" } }, { name: "a value over 64 characters", tags: { region: long(65, "v") } },
  { name: "a number value", tags: { region: 1 } }, { name: "a list value", tags: { region: ["eu"] } },
  { name: "a null value", tags: { region: null } }, { name: "a value with a control character", tags: { region: "e\u0001u" } },
];

const queryOf = (f: { events?: string; tags?: string }) => {
  const q = new URLSearchParams();
  if (f.events !== undefined) q.set("events", f.events);
  if (f.tags !== undefined) q.set("tags", f.tags);
  return `?${q}`;
};

describe("a corpus of bad filters and tags", () => {
  it(`refuses each of ${BAD_FILTER_QUERIES.length} bad query filters on connect and on history with 400 invalid_filter`, async () => {
    const room = freshRoom();
    for (const bad of BAD_FILTER_QUERIES) {
      const connectRes = await upgrade(`/v1/rooms/${room}/ws${queryOf(bad)}`, {
        authorization: `Bearer ${await signToken({ sub: uniqueSub() })}`,
      });
      expect(await errorOf(connectRes), `connect: ${bad.name}`).toMatchObject({ status: 400, code: "invalid_filter" });
      const historyRes = await request(`/v1/rooms/${room}/messages${queryOf(bad)}`, {
        headers: { "x-api-key": apiKey("adminacme") },
      });
      expect(await errorOf(historyRes), `history: ${bad.name}`).toMatchObject({ status: 400, code: "invalid_filter" });
    }
  });

  it(`refuses each of ${BAD_TAGS.length} bad tag sets over HTTP, alone and in a batch, with 400 invalid_body`, async () => {
    const room = freshRoom();
    for (const { name, tags } of BAD_TAGS) {
      const alone = await publishHttp(room, apiKey("pubacme"), { event: "e", payload: 1, tags });
      expect(await errorOf(alone), name).toMatchObject({ status: 400, code: "invalid_body" });
      const batch = await postJson(`/v1/rooms/${room}/messages/batch`, apiKey("pubacme"), {
        messages: [
          { event: "e", payload: 1 },
          { event: "e", payload: 2, tags },
        ],
      });
      expect(batch.status, name).toBe(400);
      const body = (await batch.json()) as { error: { code: string; details?: unknown } };
      expect(body.error.code, name).toBe("invalid_body");
      expect(JSON.stringify(body.error.details), name).toContain("1");
    }
    // Nothing of any refused request was numbered.
    const info = await request(`/v1/admin/rooms/${room}`, { headers: { "x-api-key": apiKey("adminacme") } });
    expect(((await info.json()) as { seq: number }).seq).toBe(0);
  });

  it("answers every bad filter frame and every bad tag set on a socket with invalid_message, filters unchanged", async () => {
    const room = freshRoom();
    const cases = [
      ...BAD_FILTER_FRAMES.map(({ name, frame }) => ({ name, frame: { type: "filter", ...frame } })),
      ...BAD_TAGS.map(({ name, tags }) => ({ name, frame: { type: "publish", event: "wanted", payload: name, tags } })),
    ];
    const sockets: TestSocket[] = [];
    // A few per socket: each refusal is a strike, and enough of them close a socket (1008).
    for (let at = 0; at < cases.length; at += STRIKES_PER_SOCKET) {
      const token = await signToken({ sub: uniqueSub("c"), scope: "subscribe publish" });
      const socket = (await connect(room, token, "?events=wanted")).socket;
      for (const [i, { name, frame }] of cases.slice(at, at + STRIKES_PER_SOCKET).entries()) {
        socket.send({ ...frame, ref: i });
        expect(await socket.nextOfType("error"), name).toMatchObject({ code: "invalid_message", ref: i });
      }
      sockets.push(socket);
    }
    for (const event of ["unwanted", "wanted"])
      expect((await publishHttp(room, apiKey("pubacme"), { event, payload: event })).status).toBe(202);
    for (const socket of sockets) expect(await socket.nextOfType("message")).toMatchObject({ event: "wanted", seq: 2 });
  });
});
