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
    await vi.waitFor(
      async () => {
        const { socket, welcome } = await connect(room, token, "?since=0");
        socket.close();
        expect(welcome).toMatchObject({ seq: 2, recovered: false });
      },
      { timeout: 5_000, interval: 250 },
    );
  });
});
