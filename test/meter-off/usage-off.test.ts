// USAGE_METER=off (this project's pinned value): the room keeps serving, counts nothing, stores no
// usage outbox and reports nothing, so the tenant's usage and rooms list stay empty. The bench's
// `--mode usage` holds this against the default (on).
import { env, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { freshRoom, join, nextMessage, publishHttp, roomStubOf, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { tablesOf } from "../support/storage.ts";
import { apiKey } from "../support/tokens.ts";
import { delivered, roomsOf, usageOf } from "../support/usage.ts";

beforeAll(warmUp, WARM_UP_MS);

const TENANT = "metered";
const ADMIN = "meteredadmin";

describe("a gateway with USAGE_METER off", () => {
  it("delivers as usual and counts, stores and reports no usage", async () => {
    expect(env.USAGE_METER).toBe("off");
    const room = freshRoom();
    const members = [await join(room, "ann", { tenant: TENANT }), await join(room, "bob", { tenant: TENANT })];
    expect(await delivered(await publishHttp(room, apiKey(ADMIN), { event: "e", payload: 1 }))).toBe(2);
    for (const m of members) expect((await nextMessage(m.socket)).payload).toBe(1);
    const bob = members[1]?.socket;
    if (bob === undefined) throw new Error("no second member");
    bob.send({ type: "publish", event: "e", payload: 2, ref: "w1" });
    expect((await bob.next((f) => f.type === "ack" && f.ref === "w1")).delivered).toBe(2);

    const stub = roomStubOf(room, TENANT);
    expect(await tablesOf(stub)).not.toContain("usage_outbox");
    // An alarm the room set for its other upkeep runs here too: it must flush nothing.
    await runInDurableObject(stub, async (instance: { alarm(): Promise<void> }) => instance.alarm());
    const usage = await usageOf(ADMIN);
    expect(usage.totals.connects).toBe(0);
    expect(usage.totals.deliveries).toBe(0);
    expect(usage.totals.messages).toEqual({ http: 0, batch: 0, ws: 0 });
    expect(usage.live).toEqual({ connections: 0, rooms: 0 });
    expect((await roomsOf(ADMIN)).rooms).toEqual([]);
  });
});
