// The room's seq survives its object being evicted, with sockets hibernated or closed; a socket that
// fails to send is closed alone.

import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import {
  connect,
  freshRoom,
  nextMessage,
  publishN as publishNHttp,
  roomStubOf,
  WARM_UP_MS,
  warmUp,
} from "../support/gateway.ts";
import { signToken, uniqueSub } from "../support/tokens.ts";

beforeAll(warmUp, WARM_UP_MS);

/** `e0`, `e1`, … from a fresh publishing user. */
const publishN = async (room: string, n: number) =>
  publishNHttp(room, n, {
    credential: await signToken({ sub: uniqueSub("pub"), scope: "publish" }),
    event: (i) => `e${i}`,
  });

describe("seq across eviction", () => {
  it("continues on a hibernated socket after the object is evicted", async () => {
    const room = freshRoom();
    const { socket } = await connect(room, await signToken({ sub: uniqueSub() }));
    expect(await publishN(room, 2)).toEqual([1, 2]);
    await nextMessage(socket);
    await nextMessage(socket);

    await evictDurableObject(roomStubOf(room), { webSockets: "hibernate" });

    expect(await publishN(room, 1)).toEqual([3]);
    expect(await nextMessage(socket)).toMatchObject({ seq: 3, event: "e0" });
    expect(socket.closed).toBeUndefined();
  });

  it("keeps a hibernated socket's identity: its publishes are still stamped and rate-checked", async () => {
    const room = freshRoom();
    const sub = uniqueSub("sleeper");
    const { socket } = await connect(room, await signToken({ sub, scope: "subscribe publish" }));
    await evictDurableObject(roomStubOf(room), { webSockets: "hibernate" });
    socket.send({ type: "publish", event: "awake", payload: 1, ref: "w" });
    expect(await socket.nextOfType("ack")).toMatchObject({ ref: "w", seq: 1, delivered: 1 });
    expect(await nextMessage(socket)).toMatchObject({ event: "awake", sender: { kind: "user", id: sub } });
  });

  it("continues after an eviction that closes the sockets, and welcomes newcomers with the last seq", async () => {
    const room = freshRoom();
    const { socket } = await connect(room, await signToken({ sub: uniqueSub() }));
    expect(await publishN(room, 3)).toEqual([1, 2, 3]);

    await evictDurableObject(roomStubOf(room), { webSockets: "close" });
    await socket.waitClosed();

    const { socket: again, welcome } = await connect(room, await signToken({ sub: uniqueSub() }));
    expect(welcome.seq).toBe(3);
    expect(await publishN(room, 1)).toEqual([4]);
    expect(await nextMessage(again)).toMatchObject({ seq: 4 });
  });

  it("welcomes with the persisted seq when the object is evicted with no sockets at all", async () => {
    const room = freshRoom();
    await publishN(room, 2);
    await evictDurableObject(roomStubOf(room));
    const { welcome } = await connect(room, await signToken({ sub: uniqueSub() }));
    expect(welcome.seq).toBe(2);
  });
});

describe("a failing socket", () => {
  it("is closed with 1011 while every other socket still gets the message", async () => {
    const room = freshRoom();
    const broken = await connect(room, await signToken({ sub: uniqueSub("broken") }));
    const healthy = await connect(room, await signToken({ sub: uniqueSub("healthy") }));
    const brokenId = String(broken.welcome.connectionId);

    // Make the server side of one socket throw on send, as a socket torn down by the runtime would.
    await runInDurableObject(roomStubOf(room), (_, state) => {
      const [ws] = state.getWebSockets(`c:${brokenId}`);
      if (ws === undefined) throw new Error("broken socket not found");
      ws.send = () => {
        throw new Error("simulated send failure");
      };
    });

    const [seq] = await publishN(room, 1);
    expect(await nextMessage(healthy.socket)).toMatchObject({ seq });
    expect((await broken.socket.waitClosed()).code).toBe(1011);
    expect(healthy.socket.closed).toBeUndefined();
  });
});
