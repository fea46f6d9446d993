// A token's filter claim in a room over 4 shards: a socket on any shard receives, and is replayed
// from the coordinator's history, only what its claim takes.
import { beforeAll, describe, expect, it } from "vitest";
import { connect, freshRoom, nextMessage, publishHttp, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { apiKey, signToken } from "../support/tokens.ts";
import { subsOnEveryShard } from "./support.ts";

beforeAll(warmUp, WARM_UP_MS);

const publish = async (room: string, event: string) =>
  expect((await publishHttp(room, apiKey("pubacme"), { event, payload: event })).status).toBe(202);

describe("the filter claim in a sharded room", () => {
  it("bounds live delivery and the resume replay on every shard", async () => {
    const room = freshRoom();
    for (const event of ["chat.a", "order.a", "chat.b"]) await publish(room, event);
    const sockets = [];
    for (const sub of subsOnEveryShard("c")) {
      const token = await signToken({ sub, claims: { filter: { events: ["chat.*"] } } });
      const { socket, welcome } = await connect(room, token, "?since=0&events=order.a,chat.b");
      expect(welcome).toMatchObject({ recovered: true });
      expect((await nextMessage(socket)).event).toBe("chat.b");
      sockets.push(socket);
    }
    for (const event of ["order.b", "chat.b"]) await publish(room, event);
    for (const socket of sockets) expect(await nextMessage(socket)).toMatchObject({ event: "chat.b", seq: 5 });
  });
});
