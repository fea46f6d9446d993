// A sharded room's webhook events come from the object that knows each truth: occupied/vacated and
// client publishes from the room's coordinator (once for the whole room, however many shards hold
// its sockets), joined/left from the shard that holds the user's sockets.
import { beforeAll, describe, expect, it } from "vitest";
import { eventually, outboxOf, subscribeToEverything } from "../integration/webhook-helpers.ts";
import { freshRoom, join, nextMessage, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { coordinatorStub, shardStub, subOnShard } from "./support.ts";

beforeAll(async () => {
  await warmUp();
  await subscribeToEverything("acme", "we_shardedeventsshard1");
}, WARM_UP_MS);

/** The events in an object's outbox, in the order recorded, as `type user`. */
const outbox = async (stub: DurableObjectStub) =>
  (await outboxOf(stub)).map((e) => `${e.type} ${String(e.data.user ?? "")}`.trim());

describe("a sharded room's webhook events", () => {
  it("come once for the room from the coordinator, and per user from the user's shard", async () => {
    const room = freshRoom();
    const [a, b] = [subOnShard(1, "a"), subOnShard(2, "b")];
    const first = await join(room, a);
    const again = await join(room, a);
    const other = await join(room, b);
    other.socket.send({ type: "publish", event: "chat", payload: "hi" });
    await nextMessage(first.socket);
    for (const m of [first, again, other]) {
      m.socket.close();
      await m.socket.waitClosed();
    }
    const coordinator = coordinatorStub(room);
    await eventually(async () => (await outbox(coordinator)).length === 3, "the room's three events");
    expect(await outbox(coordinator)).toEqual(["room.occupied", `message.published ${b}`, "room.vacated"]);
    expect(await outbox(shardStub(room, 1))).toEqual([`presence.joined ${a}`, `presence.left ${a}`]);
    expect(await outbox(shardStub(room, 2))).toEqual([`presence.joined ${b}`, `presence.left ${b}`]);
  });
});
