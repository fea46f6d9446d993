// Member info in a room over 4 shards: watchers on every shard see a member's info in its join and
// in the update a refresh makes, and GET …/presence gathers it from the shard holding the user.
import { beforeAll, describe, expect, it } from "vitest";
import { connect, freshRoom, request, type TestSocket, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { apiKey, signToken } from "../support/tokens.ts";
import { subOnShard, subsOnEveryShard } from "./support.ts";

beforeAll(warmUp, WARM_UP_MS);

describe("member info across shards", () => {
  it("reaches watchers on every shard in join and update frames, and GET …/presence shows the latest", async () => {
    const room = freshRoom();
    const watchers: TestSocket[] = [];
    for (const sub of subsOnEveryShard("w"))
      watchers.push((await connect(room, await signToken({ sub, scope: "subscribe presence" }), "?presence=1")).socket);
    const sub = subOnShard(2, "ann");
    const ann = await connect(room, await signToken({ sub, claims: { info: { name: "Ann" } } }));
    for (const w of watchers)
      expect(await w.next((f) => f.type === "presence" && f.user === sub)).toMatchObject({
        action: "join",
        info: { name: "Ann" },
      });
    ann.socket.send({
      type: "refresh",
      token: await signToken({ sub, claims: { info: { name: "Ann", away: true } } }),
    });
    await ann.socket.nextOfType("refreshed");
    for (const w of watchers)
      expect(await w.next((f) => f.type === "presence" && f.user === sub && f.action === "update")).toMatchObject({
        connectionId: ann.welcome.connectionId,
        info: { name: "Ann", away: true },
      });
    const res = await request(`/v1/rooms/${room}/presence`, { headers: { "x-api-key": apiKey("presacme") } });
    const snapshot = (await res.json()) as { users: unknown[] };
    expect(snapshot.users).toContainEqual({ id: sub, connections: 1, info: { name: "Ann", away: true } });
  });
});
