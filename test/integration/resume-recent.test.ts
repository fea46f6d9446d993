// A reconnect storm's resumes are answered from the newest messages the room keeps in memory
// (src/room/ledger/recent.ts): the same answer SQLite gives, for every reader and bound, without
// reading a history row per socket.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Viewer } from "../../src/auth/principal.ts";
import { MessageStore } from "../../src/room/ledger/message-store.ts";
import type { Room } from "../../src/room/room.ts";
import { connect, freshRoom, roomStubOf } from "../support/gateway.ts";
import { rowsReadDuring } from "../support/storage.ts";
import { signToken, uniqueSub } from "../support/tokens.ts";

const publishInRoom = (room: string, n: number) =>
  runInDurableObject(roomStubOf(room), async (instance: Room) => {
    for (let i = 0; i < n; i++)
      await instance.publish([{ room, sender: { kind: "api_key", id: "t" }, event: "e", payloadJson: String(i) }]);
  });

describe("a storm of resumes", () => {
  it("replays each socket what it missed without reading history rows from SQLite", async () => {
    const room = freshRoom();
    await publishInRoom(room, 6);
    const tokens = await Promise.all(Array.from({ length: 5 }, () => signToken({ sub: uniqueSub("storm") })));
    const { result, rowsRead } = await rowsReadDuring(["messages", "recipients"], roomStubOf(room), () =>
      Promise.all(
        tokens.map(async (token) => {
          const { socket, welcome } = await connect(room, token, "?since=2");
          const seqs: number[] = [];
          for (let i = 0; i < 4; i++) seqs.push((await socket.nextOfType("message")).seq as number);
          socket.close();
          return { welcome, seqs };
        }),
      ),
    );
    for (const r of result) {
      expect(r.welcome).toMatchObject({ seq: 6, recovered: true });
      expect(r.seqs).toEqual([3, 4, 5, 6]);
    }
    expect(rowsRead).toBe(0);
  });
});

/** Broadcasts, targeted messages (one widened later, one for nobody), stamped a second apart. */
const audiences: (string[] | undefined)[] = [
  undefined,
  ["alice"],
  [],
  undefined,
  ["bob", "alice"],
  ["carol"],
  undefined,
];
const viewers: Viewer[] = [
  { kind: "user", id: "alice" },
  { kind: "user", id: "bob" },
  { kind: "user", id: "dave" },
  { kind: "admin" },
  { kind: "broadcasts" },
];

describe("a resume answered from memory", () => {
  it("gets what SQLite answers, for every reader, since, bound and age", async () => {
    const mismatches = await runInDurableObject(roomStubOf(freshRoom()), (_i, state) => {
      const bounds = { maxMessages: 5, maxAgeMs: 3_500 };
      const live = new MessageStore(state.storage, bounds);
      for (const [i, audience] of audiences.entries())
        live.append({
          seq: live.nextSeq(),
          ts: 10_000 + i * 1_000,
          frame: `{"n":${i}}`,
          audience,
          event: "e",
          tags: undefined,
        });
      live.widenAudience(6, ["bob"]);
      // A store opened over the same tables keeps nothing in memory: it reads SQLite.
      const fromSql = new MessageStore(state.storage, bounds);
      const out: string[] = [];
      for (const now of [16_000, 17_500, 19_000])
        for (const viewer of viewers)
          for (let since = 0; since <= 7; since++)
            for (let upTo = since; upTo <= 7; upTo++) {
              const seqs = (s: MessageStore) => [...s.replayRead(viewer, since, now, upTo)].map((m) => m.seq);
              const [memory, sql] = [seqs(live), seqs(fromSql)];
              if (JSON.stringify(memory) !== JSON.stringify(sql))
                out.push(`${JSON.stringify(viewer)} since ${since} upTo ${upTo} at ${now}: ${memory} vs ${sql}`);
              const oldest = fromSql.oldestSeq(now);
              const follows = live.followsRecent(since, now);
              if (since < upTo && follows !== undefined && follows !== (oldest !== undefined && oldest <= since + 1))
                out.push(`recoverable from ${since} at ${now}: ${follows} vs oldest ${oldest}`);
            }
      return out;
    });
    expect(mismatches).toEqual([]);
  });

  it("keeps nothing of a purged history, and starts over with a forgotten one", async () => {
    await runInDurableObject(roomStubOf(freshRoom()), async (_i, state) => {
      const store = new MessageStore(state.storage, { maxMessages: 100, maxAgeMs: 60_000 });
      const add = () =>
        store.append({
          seq: store.nextSeq(),
          ts: 1_000,
          frame: "{}",
          audience: undefined,
          event: "e",
          tags: undefined,
        });
      add();
      add();
      store.purge();
      expect([...store.replayRead({ kind: "admin" }, 0, 1_000, 2)]).toEqual([]);
      expect(store.followsRecent(1, 1_000) ?? false).toBe(false);
      add();
      expect([...store.replayRead({ kind: "admin" }, 2, 1_000, 3)].map((m) => m.seq)).toEqual([3]);
      await state.storage.deleteAll();
      store.forget();
      add();
      expect([...store.replayRead({ kind: "admin" }, 0, 1_000, 1)].map((m) => m.seq)).toEqual([1]);
    });
  });
});
