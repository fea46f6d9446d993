// POST /v1/rooms/{room}/messages/batch: several messages in one request, numbered consecutively and
// delivered in order; validated all or nothing; counted as N publishes against the publisher's limit.
import { beforeAll, describe, expect, it } from "vitest";
import {
  connect,
  errorOf,
  freshRoom,
  nextMessage,
  postJson,
  publishHttp,
  request,
  WARM_UP_MS,
  warmUp,
} from "../support/gateway.ts";
import { config, rateLimit } from "../support/limits.ts";
import { apiKey, signToken, uniqueSub } from "../support/tokens.ts";

beforeAll(warmUp, WARM_UP_MS);

const LIMIT = config.maxPayloadBytes;
const PUBLISH_LIMIT = rateLimit("PUBLISH_LIMITER").limit;
const FLOOD_MS = 60_000;
const publisher = () => signToken({ sub: uniqueSub("pub"), scope: "publish" });

const publishBatch = (room: string, credential: string, body: unknown) =>
  postJson(`/v1/rooms/${room}/messages/batch`, credential, body);

const messages = (n: number, event = "e") => Array.from({ length: n }, (_, i) => ({ event, payload: i }));

type Answer = { messages: { id: string; seq: number; delivered: number }[] };

async function history(room: string) {
  const res = await request(`/v1/rooms/${room}/messages?limit=1000`, { headers: { "x-api-key": apiKey("adminacme") } });
  return (await res.json()) as { messages: { seq: number; event: string; payload: unknown }[]; seq: number };
}

describe("a batch publish", () => {
  it("answers 202 with an id, seq and delivered per message, the seqs consecutive", async () => {
    const room = freshRoom();
    await publishHttp(room, await publisher(), { event: "before", payload: null });
    const { socket } = await connect(room, await signToken({ sub: uniqueSub("reader") }));
    const res = await publishBatch(room, await publisher(), { messages: messages(3) });
    expect(res.status).toBe(202);
    const answer = (await res.json()) as Answer;
    expect(answer.messages.map((m) => m.seq)).toEqual([2, 3, 4]);
    expect(answer.messages.map((m) => m.delivered)).toEqual([1, 1, 1]);
    expect(new Set(answer.messages.map((m) => m.id)).size).toBe(3);
    for (const [i, sent] of answer.messages.entries())
      expect(await nextMessage(socket)).toMatchObject({ id: sent.id, seq: sent.seq, payload: i });
  });

  it("delivers each element exactly as the single route would, tags and targets included", async () => {
    const room = freshRoom();
    const bob = uniqueSub("bob");
    const { socket: bobSocket } = await connect(room, await signToken({ sub: bob }));
    const { socket: other } = await connect(room, await signToken({ sub: uniqueSub("other") }));
    const res = await publishBatch(room, await publisher(), {
      messages: [
        { event: "for-bob", payload: 1, to: { users: [bob] }, tags: { region: "eu" } },
        { event: "for-all", payload: 2 },
      ],
    });
    expect(res.status).toBe(202);
    expect(await nextMessage(bobSocket)).toMatchObject({ event: "for-bob", tags: { region: "eu" } });
    expect(await nextMessage(bobSocket)).not.toHaveProperty("tags");
    expect((await nextMessage(other)).event).toBe("for-all");
  });

  it("accepts 100 messages and refuses 101, or none, with 400 invalid_body", async () => {
    const room = freshRoom();
    const ok = await publishBatch(room, apiKey("adminacme"), { messages: messages(100) });
    expect(ok.status).toBe(202);
    for (const body of [{ messages: messages(101) }, { messages: [] }, {}, { messages: messages(1), extra: 1 }])
      expect(await errorOf(await publishBatch(room, await publisher(), body))).toMatchObject({
        status: 400,
        code: "invalid_body",
      });
  });

  it("publishes nothing when one element is invalid, and names its index in details", async () => {
    const room = freshRoom();
    const bad = [
      ...messages(2),
      { event: "", payload: 1 },
      { event: "e" },
      { event: "e", payload: 1, tags: { X: "1" } },
    ];
    const res = await publishBatch(room, await publisher(), { messages: bad });
    const body = (await res.json()) as {
      error: { code: string; details: { messages: { index: number; fieldErrors: Record<string, string[]> }[] } };
    };
    expect(res.status).toBe(400);
    expect(body.error.code).toBe("invalid_body");
    expect(body.error.details.messages.map((m) => m.index)).toEqual([2, 3, 4]);
    expect(Object.keys(body.error.details.messages[0]?.fieldErrors ?? {})).toEqual(["event"]);
    expect((await history(room)).seq).toBe(0);
  });

  it("refuses an element whose payload is over the limit with 413, naming its index, and publishes nothing", async () => {
    const room = freshRoom();
    const big = { event: "big", payload: "x".repeat(LIMIT) };
    const res = await publishBatch(room, await publisher(), { messages: [...messages(1), big] });
    const body = (await res.json()) as { error: { code: string; message: string; details: unknown } };
    expect(res.status).toBe(413);
    expect(body.error).toMatchObject({ code: "payload_too_large", details: { index: 1 } });
    expect(body.error.message).toContain("messages[1]");
    expect((await history(room)).seq).toBe(0);
  });

  it("takes a body of many maximal payloads, which the single route would cut off", async () => {
    const room = freshRoom();
    const near = "x".repeat(LIMIT - 2);
    const res = await publishBatch(room, await publisher(), {
      messages: [1, 2, 3].map((i) => ({ event: "big", payload: near, tags: { i: String(i) } })),
    });
    expect(res.status).toBe(202);
  });

  it("takes no more body than the messages it carries: one message, one message's worth", async () => {
    const room = freshRoom();
    const padded = `{"messages":[{"event":"e","payload":1}]${" ".repeat(200_000)}}`;
    const res = await publishBatch(room, await publisher(), padded);
    expect(await errorOf(res)).toMatchObject({ status: 413, code: "payload_too_large" });
    expect((await history(room)).seq).toBe(0);
  });

  it("limits a `to` list as the single route does, whatever the batch's other elements leave free", async () => {
    const room = freshRoom();
    // 1,000 ids of 150 characters: within the schema's 1,000 entries, ~155 KB of body.
    const to = { users: Array.from({ length: 1000 }, (_, i) => `${i}`.padStart(150, "u")) };
    const message = { event: "targeted", payload: 1, to };
    expect(await errorOf(await publishHttp(room, await publisher(), message))).toMatchObject({
      status: 413,
      code: "payload_too_large",
    });
    for (const batch of [[message], [message, ...messages(2)]]) {
      const res = await publishBatch(room, await publisher(), { messages: batch });
      expect(await errorOf(res), `${batch.length} messages`).toMatchObject({ status: 413, code: "payload_too_large" });
    }
    expect((await history(room)).seq).toBe(0);
  });

  it("needs scope publish and the room granted, like the single route", async () => {
    const room = freshRoom();
    const reader = await signToken({ sub: uniqueSub("reader"), scope: "subscribe" });
    const elsewhere = await signToken({ sub: uniqueSub("pub"), scope: "publish", rooms: ["other"] });
    const body = { messages: messages(1) };
    expect(await errorOf(await publishBatch(room, reader, body))).toMatchObject({ status: 403, code: "forbidden" });
    expect(await errorOf(await publishBatch(room, elsewhere, body))).toMatchObject({ status: 403, code: "forbidden" });
    expect(await errorOf(await publishBatch(room, apiKey("presacme"), body))).toMatchObject({
      status: 403,
      code: "forbidden",
    });
  });

  it(
    "counts as one publish per message: batches of 100 are refused by the second window's worth",
    async () => {
      const room = freshRoom();
      const credential = await publisher();
      // Counted as one unit a request, no batch would be refused before 100 requests. A window may
      // roll over between two requests, so two batches may pass; a third never can.
      let accepted = 0;
      let refused: Awaited<ReturnType<typeof errorOf>> | undefined;
      for (let i = 0; i < 3 && refused === undefined; i++) {
        const res = await publishBatch(room, credential, { messages: messages(PUBLISH_LIMIT) });
        if (res.status === 202) accepted++;
        else refused = await errorOf(res);
      }
      expect(refused).toMatchObject({ status: 429, code: "rate_limited" });
      expect(Number(refused?.retryAfter)).toBeGreaterThan(0);
      // All or nothing: the refused batch published none of its messages.
      expect((await history(room)).seq).toBe(accepted * PUBLISH_LIMIT);
    },
    FLOOD_MS,
  );
});
