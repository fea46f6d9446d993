// On a shard a client's publish waits for the coordinator, so frames sent after it are handled
// before its ack: a close for invalid frames must still wait for every accepted publish's ack.
import { beforeAll, describe, expect, it } from "vitest";
import { connect, type Frame, freshRoom, request, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { config } from "../support/limits.ts";
import { apiKey, signToken, uniqueSub } from "../support/tokens.ts";

beforeAll(warmUp, WARM_UP_MS);

const BURST = config.clientPublishBurst;
const STRIKES = config.abuseStrikes;

async function storedSeqs(room: string): Promise<number[]> {
  const res = await request(`/v1/rooms/${room}/messages?limit=1000`, { headers: { "x-api-key": apiKey("adminacme") } });
  return ((await res.json()) as { messages: Frame[] }).messages.map((m) => Number(m.seq));
}

describe("a socket closed for invalid frames on a shard", () => {
  it("is acked every publish the room accepted before the close", async () => {
    const room = freshRoom();
    const { socket } = await connect(room, await signToken({ sub: uniqueSub("burst"), scope: "subscribe publish" }));
    for (let ref = 1; ref <= BURST; ref++) socket.send({ type: "publish", event: "burst", payload: ref, ref });
    for (let i = 0; i <= STRIKES; i++) socket.send("not json");
    expect((await socket.waitClosed(5_000)).code).toBe(1008);
    const stored = await storedSeqs(room);
    expect(stored.length).toBeGreaterThan(0);
    expect(socket.frames.filter((f) => f.type === "ack").map((a) => a.seq)).toEqual(stored);
  });
});
