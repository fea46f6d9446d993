// A client over its rate budget is refused frame by frame, told how long to wait, and kept: closing
// it would lose the acks of publishes the room had already accepted, and a client retrying those
// would publish them twice. 1008 is for invalid frames (test/sharded/acks-before-close.test.ts).
import { beforeAll, describe, expect, it } from "vitest";
import { connect, type Frame, freshRoom, request, type TestSocket, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { config } from "../support/limits.ts";
import { apiKey, signToken, uniqueSub } from "../support/tokens.ts";

beforeAll(warmUp, WARM_UP_MS);

const BURST = config.clientPublishBurst;
const STRIKES = config.abuseStrikes;

const answerTo = (socket: TestSocket, ref: number) =>
  socket.next((f) => (f.type === "ack" || f.type === "error") && f.ref === ref, 5_000);

async function publisher(room: string): Promise<TestSocket> {
  return (await connect(room, await signToken({ sub: uniqueSub("burst"), scope: "subscribe publish" }))).socket;
}

async function storedSeqs(room: string): Promise<number[]> {
  const res = await request(`/v1/rooms/${room}/messages?limit=1000`, { headers: { "x-api-key": apiKey("adminacme") } });
  return ((await res.json()) as { messages: Frame[] }).messages.map((m) => Number(m.seq));
}

describe("a client past its rate budget", () => {
  it("gets an ack or a rate_limited with retryAfter for every publish, and keeps its socket", async () => {
    const room = freshRoom();
    const socket = await publisher(room);
    const total = BURST + STRIKES + 11; // the 31 with the default limits
    for (let ref = 1; ref <= total; ref++) socket.send({ type: "publish", event: "burst", payload: ref, ref });
    const answers: Frame[] = [];
    for (let ref = 1; ref <= total; ref++) answers.push(await answerTo(socket, ref));
    const acked = answers.filter((a) => a.type === "ack");
    const refused = answers.filter((a) => a.type === "error");
    expect(acked.length + refused.length).toBe(total);
    for (const r of refused) {
      expect(r.code).toBe("rate_limited");
      expect(r.retryAfter).toBeGreaterThan(0);
    }
    expect(socket.closed).toBeUndefined();
    expect(await storedSeqs(room)).toEqual(acked.map((a) => a.seq));
    socket.send('{"type":"ping"}');
    expect(await socket.nextOfType("pong")).toEqual({ type: "pong" });
  });
});
