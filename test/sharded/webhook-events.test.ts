// A sharded room's webhook events come from the object that knows each truth: occupied/vacated and
// client publishes from the room's coordinator (once for the whole room, however many shards hold
// its sockets), joined/left from the shard that holds the user's sockets.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { hubStub } from "../../src/webhooks/hub.ts";
import type { WebhookEventType } from "../../src/webhooks/protocol.ts";
import { seal } from "../../src/webhooks/secret-box.ts";
import { eventually } from "../integration/webhook-helpers.ts";
import { freshRoom, join, nextMessage, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { coordinatorStub, shardStub, subOnShard } from "./support.ts";

const TENANT = "acme";
const EVERY: WebhookEventType[] = [
  "room.occupied",
  "room.vacated",
  "presence.joined",
  "presence.left",
  "message.published",
];

type Event = { type: string; room: string; data: Record<string, unknown> };

beforeAll(async () => {
  await warmUp();
  const id = "we_shardedeventsshardd";
  const secret = await seal(env.WEBHOOK_SECRET_KEY ?? "", new Uint8Array(32), TENANT, id);
  await hubStub(env, TENANT).create({ id, url: "https://a.hooks.test/in", events: EVERY, secret });
}, WARM_UP_MS);

/** The events in an object's outbox, in the order recorded, as `type user`. */
function outbox(stub: DurableObjectStub): Promise<string[]> {
  return runInDurableObject(stub, (_, state) => {
    const sql = state.storage.sql;
    if (sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'webhook_outbox'").toArray().length === 0) return [];
    return sql
      .exec<{ body: string }>("SELECT body FROM webhook_outbox ORDER BY seq")
      .toArray()
      .map((r) => JSON.parse(r.body) as Event)
      .map((e) => `${e.type} ${String(e.data.user ?? "")}`.trim());
  });
}

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
