// Ephemeral messages in a room over 4 shards: they reach every shard, take no seq, and keep their
// place among stored messages on every shard (a batch mixing both arrives in publish order).
import { beforeAll, describe, expect, it } from "vitest";
import { type Frame, freshRoom, join, nextMessage, postJson, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { apiKey } from "../support/tokens.ts";
import { subsOnEveryShard } from "./support.ts";

beforeAll(warmUp, WARM_UP_MS);

const PUBLISHER = apiKey("pubacme");

describe("ephemeral messages in a sharded room", () => {
  it("reach every shard without a seq, in publish order among the stored ones", async () => {
    const room = freshRoom();
    const members = [];
    for (const sub of subsOnEveryShard("e")) members.push(await join(room, sub));
    const res = await postJson(`/v1/rooms/${room}/messages/batch`, PUBLISHER, {
      messages: [
        { event: "a", payload: 1 },
        { event: "b", payload: 2, ephemeral: true },
        { event: "c", payload: 3, ephemeral: true },
        { event: "d", payload: 4 },
      ],
    });
    expect(res.status).toBe(202);
    const { messages } = (await res.json()) as { messages: Record<string, unknown>[] };
    expect(messages.map((m) => m.seq ?? "live")).toEqual([1, "live", "live", 2]);
    expect(messages.map((m) => m.delivered)).toEqual(messages.map(() => members.length));
    for (const m of members) {
      const got: Frame[] = [];
      for (let i = 0; i < 4; i++) got.push(await nextMessage(m.socket));
      expect(got.map((f) => `${f.event}:${f.seq ?? (f.ephemeral === true ? "live" : "?")}`)).toEqual([
        "a:1",
        "b:live",
        "c:live",
        "d:2",
      ]);
    }
  });

  it("is published from a socket on any shard and acknowledged without a seq", async () => {
    const room = freshRoom();
    const members = [];
    for (const sub of subsOnEveryShard("w")) members.push(await join(room, sub));
    const [writer, ...others] = members;
    if (writer === undefined) throw new Error("no members");
    writer.socket.send({ type: "publish", event: "typing", payload: 1, ref: 1, ephemeral: true });
    const ack = await writer.socket.nextOfType("ack");
    expect(ack).toMatchObject({ ref: 1, ephemeral: true, delivered: members.length });
    expect(ack).not.toHaveProperty("seq");
    for (const m of others) expect(await nextMessage(m.socket)).toMatchObject({ id: ack.id, ephemeral: true });
    const stored = await postJson(`/v1/rooms/${room}/messages`, PUBLISHER, { event: "kept", payload: 0 });
    expect(((await stored.json()) as { seq: number }).seq).toBe(1);
  });
});
