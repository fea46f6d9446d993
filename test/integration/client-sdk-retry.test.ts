// The SDK against the real gateway (in workerd): a publish whose ack is lost with the connection is
// sent again after the reconnect under the same idempotency key, answered with its first ack, and
// delivered exactly once.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { BroadcastClient, type PublishAck } from "../../src/client/index.ts";
import { connect, type Frame, freshRoom, nextMessage, publishHttp, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { InProcessSocket } from "../support/sdk-socket.ts";
import { apiKey, signToken, uniqueSub } from "../support/tokens.ts";

beforeAll(warmUp, WARM_UP_MS);

const clients: BroadcastClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  InProcessSocket.cut = () => false;
});

async function publisherClient(room: string): Promise<BroadcastClient> {
  const token = await signToken({ sub: uniqueSub("sdk"), scope: "subscribe publish" });
  const client = new BroadcastClient({
    url: "https://gateway.test",
    room,
    token: () => token,
    WebSocket: InProcessSocket,
    backoff: { baseMs: 10, maxMs: 50 },
    pingIntervalMs: 0,
  });
  clients.push(client);
  client.connect();
  return client;
}

const isAck = (frame: string) => frame.startsWith('{"type":"ack"');

describe("the SDK's keyed retry across a forced reconnect", () => {
  it("delivers each publish once although its ack was lost with the connection", async () => {
    const room = freshRoom();
    const { socket: reader } = await connect(room, await signToken({ sub: uniqueSub("reader") }));
    const client = await publisherClient(room);
    // Every other ack dies with its connection, which is each publish's first ack (the repeated one
    // after the reconnect gets through): the gateway has published, the client has not heard.
    let acks = 0;
    InProcessSocket.cut = (frame) => isAck(frame) && acks++ % 2 === 0;
    const opened = InProcessSocket.opened;
    const answers: PublishAck[] = [];
    for (let n = 1; n <= 6; n++) answers.push(await client.publish("count", { n }));
    // Six cuts, six reconnects.
    expect(InProcessSocket.opened - opened).toBe(7);
    expect(answers.map((a) => ("seq" in a ? a.seq : undefined))).toEqual([1, 2, 3, 4, 5, 6]);

    await publishHttp(room, apiKey("pubacme"), { event: "marker", payload: null });
    const seen: Frame[] = [];
    for (let m = await nextMessage(reader); m.event !== "marker"; m = await nextMessage(reader)) seen.push(m);
    expect(seen.map((m) => (m.payload as { n: number }).n)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(seen.map((m) => m.id)).toEqual(answers.map((a) => a.id));
  });
});
