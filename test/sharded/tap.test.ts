// The live tap of a room over 4 shards: opened on the coordinator, where every message is
// numbered, it sees each message once in seq order, whichever shard's client published it and
// whichever shards it was for, and it counts in no shard's or the room's figures.
import { beforeAll, describe, expect, it } from "vitest";
import { freshRoom, join, nextMessage, publishHttp, request, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { openTap } from "../support/tap.ts";
import { apiKey } from "../support/tokens.ts";
import { SHARDS, subOnShard, subsOnEveryShard } from "./support.ts";

beforeAll(warmUp, WARM_UP_MS);

const admin = apiKey("adminacme");

describe("the live tap of a sharded room", () => {
  it("sees every message once, in seq order, from any shard and for any shard, and is in no count", async () => {
    const room = freshRoom();
    const members = [];
    for (const sub of subsOnEveryShard("t")) members.push(await join(room, sub));
    const { res, tap } = await openTap(room, admin);
    expect(res.status).toBe(200);
    try {
      expect(await tap.nextData()).toEqual({ type: "ready", room, seq: 0 });

      const last = members[SHARDS - 1];
      const target = subOnShard(1, "target");
      const targeted = await join(room, target);
      await publishHttp(room, admin, { event: "all", payload: 1 });
      await publishHttp(room, admin, { event: "dm", payload: 2, to: { users: [target] } });
      last?.socket.send({ type: "publish", event: "from-shard", payload: 3, ref: "s" });

      const frames = [await tap.nextData(), await tap.nextData(), await tap.nextData()];
      expect(frames.map((f) => [f.seq, f.event])).toEqual([
        [1, "all"],
        [2, "dm"],
        [3, "from-shard"],
      ]);
      expect(frames[1]).toMatchObject({ to: { users: [target] } });
      expect(frames[2]).toMatchObject({ sender: { kind: "user", id: last?.sub } });
      expect(await nextMessage(targeted.socket)).toMatchObject({ seq: 1 });
      expect(await nextMessage(targeted.socket)).toMatchObject({ seq: 2, event: "dm" });

      const info = (await (
        await request(`/v1/admin/rooms/${room}`, { headers: { authorization: `Bearer ${admin}` } })
      ).json()) as { connections: number };
      expect(info.connections).toBe(SHARDS + 1);
    } finally {
      await tap.close();
    }
  });
});
