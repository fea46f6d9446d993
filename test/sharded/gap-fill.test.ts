// A shard filling a gap (forwards that never arrived) delivers live messages late, so the live
// rules hold: a connection excluded from a message does not get it from the fill, and the fill
// streams page by page, holding no more than one page of history at a time.
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { Room } from "../../src/room/room.ts";
import { SocketHost } from "../../src/room/sockets/host.ts";
import {
  connect,
  freshRoom,
  nextMessage,
  publishHttp,
  publishN,
  type TestSocket,
  WARM_UP_MS,
  warmUp,
} from "../support/gateway.ts";
import { apiKey, signToken } from "../support/tokens.ts";
import { shardStub, subOnShard } from "./support.ts";

beforeAll(warmUp, WARM_UP_MS);
afterEach(() => vi.restoreAllMocks());

const SHARD = 2;

/** Fails every forward to one shard, as a broken stub or an overloaded object would, until restored. */
function dropForwardsTo(room: string, shard: number) {
  const target = shardStub(room, shard).id;
  const feed = Room.prototype.feed;
  vi.spyOn(console, "log").mockImplementation(() => {});
  return vi.spyOn(Room.prototype, "feed").mockImplementation(async function (this: Room, f) {
    const state: DurableObjectState = Reflect.get(this, "ctx");
    if (state.id.equals(target)) throw new Error("network connection lost");
    return feed.call(this, f);
  });
}

async function seqs(socket: TestSocket, n: number): Promise<number[]> {
  const got: number[] = [];
  for (let i = 0; i < n; i++) got.push(Number((await nextMessage(socket)).seq));
  return got;
}

describe("a gap filled on a shard", () => {
  it("keeps a message from the connection it excluded", async () => {
    const room = freshRoom();
    const { socket, welcome } = await connect(room, await signToken({ sub: subOnShard(SHARD, "ex") }));
    const { socket: neighbour } = await connect(room, await signToken({ sub: subOnShard(SHARD, "nb") }));
    await publishN(room, 1);
    dropForwardsTo(room, SHARD);
    const pub = apiKey("pubacme");
    const excluded = { event: "not-for-you", payload: 2, exclude: { connections: [String(welcome.connectionId)] } };
    expect((await publishHttp(room, pub, excluded, "x-api-key")).status).toBe(202);
    vi.restoreAllMocks();
    await publishN(room, 1);
    expect(await seqs(neighbour, 3)).toEqual([1, 2, 3]);
    expect(await seqs(socket, 2)).toEqual([1, 3]);
  });

  it("delivers each page of history before it asks for the next", async () => {
    const room = freshRoom();
    const { socket } = await connect(room, await signToken({ sub: subOnShard(SHARD, "pg") }));
    await publishN(room, 1);
    dropForwardsTo(room, SHARD);
    // 20 messages of 60 kB: two pages of HISTORY_PAGE_MAX_BYTES (1 MiB).
    const big = "x".repeat(60_000);
    for (let i = 0; i < 20; i++)
      expect((await publishHttp(room, apiKey("pubacme"), { event: "big", payload: big }, "x-api-key")).status).toBe(
        202,
      );
    vi.restoreAllMocks();
    const steps: string[] = [];
    const missed = Room.prototype.missed;
    vi.spyOn(Room.prototype, "missed").mockImplementation(async function (this: Room, ...args) {
      steps.push("page asked");
      return missed.apply(this, args);
    });
    const deliver = SocketHost.prototype.deliver;
    vi.spyOn(SocketHost.prototype, "deliver").mockImplementation(function (this: SocketHost, messages) {
      steps.push(`delivered ${messages.length}`);
      return deliver.call(this, messages);
    });
    await publishN(room, 1);
    expect(await seqs(socket, 22)).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));
    const asked = steps.filter((s) => s === "page asked").length;
    expect(asked).toBeGreaterThan(1);
    // Each page is delivered before the next is asked for; then the message that revealed the gap.
    const kinds = steps.map((s) => s.split(" ")[0]);
    expect(kinds).toEqual([...Array.from({ length: asked }, () => ["page", "delivered"]).flat(), "delivered"]);
  });
});
