// A tenant's lowered historyMaxAgeSeconds on a sharded room: the resume is read from the room's
// history by its coordinator, which holds no socket of the tenant and so gets no push. The shard
// that took the socket learned the new terms from the upgrade and hands them on with the replay.
import { beforeAll, describe, expect, it, vi } from "vitest";
import { freshTenant, jsonOf, operatorAs } from "../integration/operator-helpers.ts";
import { connect, freshRoom, postJson, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { signToken } from "../support/tokens.ts";
import { coordinatorStub } from "./support.ts";

beforeAll(warmUp, WARM_UP_MS);

const call = operatorAs("oprate");

describe("a lowered historyMaxAgeSeconds in a sharded room", () => {
  it("holds for a resume on a shard within 5 s, though the room's own object holds no socket", async () => {
    const tenant = freshTenant();
    await jsonOf(await call("POST", "/tenants", { id: tenant, limits: { historyMaxAgeSeconds: 600 } }), 201);
    const { key } = await jsonOf<{ key: string }>(
      await call("POST", `/tenants/${tenant}/api-keys`, { scopes: ["publish"] }),
      201,
    );
    const room = freshRoom();
    for (const payload of [1, 2])
      expect((await postJson(`/v1/rooms/${room}/messages`, key, { event: "e", payload })).status).toBe(202);
    // The room learned the tenant's 600 s from the answer to its note; no push reaches it later.
    await vi.waitFor(async () =>
      expect(await coordinatorStub(room, tenant).info()).toMatchObject({ seq: 2, connections: 0 }),
    );
    await jsonOf(await call("PATCH", `/tenants/${tenant}`, { limits: { historyMaxAgeSeconds: 1 } }), 200);
    const token = await signToken({ tenant, sub: "alice", scope: "subscribe" });
    // Nothing is replayed: the messages are past the new age (or gone with the storage the alarm deleted).
    await vi.waitFor(
      async () => {
        const { socket } = await connect(room, token, "?since=0");
        socket.send({ type: "ping" });
        const first = await socket.next((f) => f.type === "message" || f.type === "pong");
        socket.close();
        expect(first).toMatchObject({ type: "pong" });
      },
      { timeout: 5_000, interval: 250 },
    );
  });
});
