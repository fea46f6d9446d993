// What a history read or a resume costs the room: the rows the reader may see, within the page's
// limits, never the rows targeted at others. Counted by what SQLite reports it read (`rowsRead` of
// every cursor the room's storage opened during the read) and by the audiences parsed, not by time.
import { runInDurableObject } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { Viewer } from "../../src/auth/principal.ts";
import type { PublishRequest } from "../../src/protocol.ts";
import { MessageStore } from "../../src/room/ledger/message-store.ts";
import type { Room } from "../../src/room/room.ts";
import { connect, type Frame, freshRoom, request, roomStubOf, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { audienceCorpus } from "../support/hostile-corpus.ts";
import { rowsReadDuring } from "../support/storage.ts";
import { apiKey, signToken, uniqueSub } from "../support/tokens.ts";

beforeAll(warmUp, WARM_UP_MS);
afterEach(() => vi.restoreAllMocks());

const corpus = audienceCorpus();
/** What one read may touch besides the rows it may see: a handful of rows of bookkeeping. */
const OVERHEAD_ROWS = 8;

type Body = { event: string; payload: unknown; tags?: Record<string, string>; to?: { users: string[] } };

/** Publishes `bodies` in order straight into the room: seqs 1 … n. */
async function publishAll(room: string, bodies: readonly Body[]): Promise<void> {
  const sender = { kind: "api_key" as const, id: "t" };
  await runInDurableObject(roomStubOf(room), async (instance: Room) => {
    for (const b of bodies) {
      const req: PublishRequest = {
        room,
        sender,
        event: b.event,
        tags: b.tags,
        to: b.to,
        payloadJson: JSON.stringify(b.payload),
      };
      await instance.publish([req]);
    }
  });
}

/** A broadcast, every targeted publish of the corpus, another broadcast, and one message for `member`. */
async function roomOfStrangers(room: string, member: string): Promise<void> {
  const targeted = corpus.publishes.map((text) => JSON.parse(text) as Body);
  await publishAll(room, [
    { event: "news", payload: "first" },
    ...targeted,
    { event: "news", payload: "last" },
    { event: "order.paid", payload: "mine", tags: { region: "eu" }, to: { users: [member, "someone-else"] } },
  ]);
}

/** Runs `read` while counting the rows SQLite reads and the corpus audiences parsed. */
async function cost<T>(
  room: string,
  read: () => Promise<T>,
): Promise<{ result: T; rowsRead: number; audiences: number }> {
  const parse = JSON.parse;
  let audiences = 0;
  const spy = vi.spyOn(JSON, "parse").mockImplementation((text: string, reviver?: Parameters<typeof JSON.parse>[1]) => {
    if (typeof text === "string" && text.startsWith('["target-')) audiences++;
    return parse(text, reviver);
  });
  try {
    return { ...(await rowsReadDuring(["messages", "recipients"], roomStubOf(room), read)), audiences };
  } finally {
    spy.mockRestore();
  }
}

type Page = { messages: Frame[]; next?: number };

async function historyAs(room: string, credential: { bearer: string } | { key: string }, query: string): Promise<Page> {
  const headers: Record<string, string> =
    "bearer" in credential ? { authorization: `Bearer ${credential.bearer}` } : { "x-api-key": credential.key };
  const res = await request(`/v1/rooms/${room}/messages${query}`, { headers });
  expect(res.status).toBe(200);
  return (await res.json()) as Page;
}

describe("a history read costs what the reader may see", () => {
  for (const read of corpus.reads) {
    it(`${read.name}: no stranger's row is read or its audience parsed`, async () => {
      const room = freshRoom();
      await roomOfStrangers(room, uniqueSub("member"));
      const outsider = await signToken({ sub: uniqueSub("outsider") });
      const { result, rowsRead, audiences } = await cost(room, () => historyAs(room, { bearer: outsider }, read.query));
      expect(result.messages.every((m) => m.event === "news")).toBe(true);
      expect(audiences).toBe(0);
      // At least the rows it answers with: the count sees the room's reads at all.
      expect(rowsRead).toBeGreaterThanOrEqual(result.messages.length);
      expect(rowsRead).toBeLessThanOrEqual(result.messages.length + 2 + OVERHEAD_ROWS);
    });
  }

  it("still shows a member its targeted message, and an admin key everything", async () => {
    const room = freshRoom();
    const member = uniqueSub("member");
    await roomOfStrangers(room, member);
    const mine = await historyAs(room, { bearer: await signToken({ sub: member }) }, "?limit=1000");
    expect(mine.messages.map((m) => m.payload)).toEqual(["first", "last", "mine"]);
    const all = await historyAs(room, { key: apiKey("adminacme") }, "?limit=1000");
    expect(all.messages).toHaveLength(corpus.publishes.length + 3);
  });
});

describe("a resume costs what the reader may see", () => {
  it("replays an outsider's missed broadcasts without reading the strangers' rows", async () => {
    const room = freshRoom();
    await roomOfStrangers(room, uniqueSub("member"));
    const outsider = await signToken({ sub: uniqueSub("outsider") });
    const { result, rowsRead, audiences } = await cost(room, async () => {
      const { socket, welcome } = await connect(room, outsider, "?since=0");
      const replayed = [await socket.nextOfType("message"), await socket.nextOfType("message")];
      socket.close();
      return { welcome, replayed };
    });
    expect(result.welcome).toMatchObject({ recovered: true });
    expect(result.replayed.map((m) => m.payload)).toEqual(["first", "last"]);
    expect(audiences).toBe(0);
    expect(rowsRead).toBeLessThanOrEqual(2 + OVERHEAD_ROWS);
  });
});

describe("a filtered read stops after a bounded scan", () => {
  it("answers an empty page with next after 256 rows that its filter refuses", async () => {
    const room = freshRoom();
    await publishAll(
      room,
      Array.from({ length: 300 }, (_, i) => ({ event: "chat", payload: i })),
    );
    const key = { key: apiKey("adminacme") };
    const first = await historyAs(room, key, "?limit=1&events=order.*");
    expect(first).toMatchObject({ messages: [], next: 256 });
    const rest = await historyAs(room, key, "?since=256&limit=1&events=order.*");
    expect(rest.messages).toEqual([]);
    expect(rest).not.toHaveProperty("next");
  });
});

describe("what each reader may see, decided in SQL", () => {
  const audiences: (string[] | undefined)[] = [undefined, ["alice", "bob"], [], ["carol"], undefined];
  const seen = (viewer: Viewer) =>
    runInDurableObject(roomStubOf(freshRoom()), (_i, state) => {
      const store = new MessageStore(state.storage, { maxMessages: 100, maxAgeMs: 60_000 });
      for (const audience of audiences)
        store.append({ seq: store.nextSeq(), ts: 1_000, frame: "{}", audience, event: "e", tags: undefined });
      store.widenAudience(4, ["bob"]);
      return [...store.read(viewer, 0, 1_000)].map((m) => m.seq);
    });

  it("shows a user the broadcasts and what was targeted at it, widened audiences included", async () => {
    expect(await seen({ kind: "user", id: "bob" })).toEqual([1, 2, 4, 5]);
    expect(await seen({ kind: "user", id: "alice" })).toEqual([1, 2, 5]);
  });

  it("shows a message targeted at nobody to no user", async () => {
    expect(await seen({ kind: "user", id: "dave" })).toEqual([1, 5]);
  });

  it("shows an admin key everything and a key without admin scope broadcasts only", async () => {
    expect(await seen({ kind: "admin" })).toEqual([1, 2, 3, 4, 5]);
    expect(await seen({ kind: "broadcasts" })).toEqual([1, 5]);
  });

  it("reads after since and up to upTo only", async () => {
    const seqs = await runInDurableObject(roomStubOf(freshRoom()), (_i, state) => {
      const store = new MessageStore(state.storage, { maxMessages: 100, maxAgeMs: 60_000 });
      for (const audience of audiences)
        store.append({ seq: store.nextSeq(), ts: 1_000, frame: "{}", audience, event: "e", tags: undefined });
      return [...store.read({ kind: "user", id: "bob" }, 1, 1_000, 4)].map((m) => m.seq);
    });
    expect(seqs).toEqual([2]);
  });
});

describe("rooms stored before the recipients index", () => {
  it("build it from their audiences when they wake, so members still see their messages", async () => {
    const seqs = await runInDurableObject(roomStubOf(freshRoom()), (_i, state) => {
      const sql = state.storage.sql;
      sql.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
        CREATE TABLE messages (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, frame TEXT NOT NULL, audience TEXT,
          event TEXT, tags TEXT)`);
      sql.exec("INSERT INTO meta VALUES ('seq', 3), ('version', 1)");
      const audiences = [null, '["alice","bob"]', '["carol"]'];
      for (const [i, a] of audiences.entries())
        sql.exec("INSERT INTO messages VALUES (?, ?, '{}', ?, 'e', NULL)", i + 1, Date.now(), a);
      const store = new MessageStore(state.storage, { maxMessages: 100, maxAgeMs: 60_000 });
      return [...store.read({ kind: "user", id: "bob" }, 0, Date.now())].map((m) => m.seq);
    });
    expect(seqs).toEqual([1, 2]);
  });
});
