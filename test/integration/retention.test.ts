// History expires on time even in a room nobody publishes to again, and a room with no sockets and
// no live history leaves nothing behind in storage.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { connect, freshRoom, publishHttp, request, roomStubOf, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { config } from "../support/limits.ts";
import { tablesOf as tablesInStorage } from "../support/storage.ts";
import { apiKey, signToken, uniqueSub } from "../support/tokens.ts";
import { waitFor } from "../support/wait.ts";

beforeAll(warmUp, WARM_UP_MS);

const MAX_AGE_MS = config.historyMaxAgeMs;

/** Moves every stored message `ms` into the past, as if the room had been quiet that long. */
const age = (room: string, ms: number) =>
  runInDurableObject(roomStubOf(room), (_i, state) => {
    state.storage.sql.exec("UPDATE messages SET ts = ts - ?", ms);
  });

const tablesOf = (room: string) => tablesInStorage(roomStubOf(room));

/**
 * Runs the room's alarm now. It may have run by itself already: the tenant's terms, answered to the
 * room's note that it stores data, can arrive after `age` and re-arm the alarm for the aged
 * messages' expiry, which is in the past. So callers wait for the alarm's outcome, not its return.
 */
const expire = (room: string) => runDurableObjectAlarm(roomStubOf(room));
const messageCount = (room: string) =>
  runInDurableObject(
    roomStubOf(room),
    (_i, state) => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM messages").one().n,
  );

async function historyOf(room: string) {
  const res = await request(`/v1/rooms/${room}/messages`, { headers: { "x-api-key": apiKey("adminacme") } });
  return (await res.json()) as { messages: unknown[]; seq: number };
}

describe("history retention in a quiet room", () => {
  it("deletes expired messages from an alarm, with no new publish", async () => {
    const room = freshRoom();
    const { socket } = await connect(room, await signToken({ sub: uniqueSub("stayer") }));
    await publishHttp(room, apiKey("pubacme"), { event: "old", payload: 1 });
    await age(room, MAX_AGE_MS + 1_000);
    await expire(room);
    await waitFor("the alarm to delete the expired message", async () => (await messageCount(room)) === 0, 2_000);
    // The room still has a socket, so it keeps its numbering.
    expect((await historyOf(room)).seq).toBe(1);
    socket.close();
  });

  it("deletes the storage of a room with no sockets once its history has expired", async () => {
    const room = freshRoom();
    await publishHttp(room, apiKey("pubacme"), { event: "to-nobody", payload: 1 });
    await age(room, MAX_AGE_MS + 1_000);
    await expire(room);
    await waitFor("the alarm to delete the room's storage", async () => (await tablesOf(room)).length === 0, 2_000);
  });

  it("keeps the storage while history is still live", async () => {
    const room = freshRoom();
    await publishHttp(room, apiKey("pubacme"), { event: "recent", payload: 1 });
    await runDurableObjectAlarm(roomStubOf(room));
    expect((await historyOf(room)).messages).toHaveLength(1);
  });
});
