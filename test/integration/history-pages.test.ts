// History reads and resume replays are bounded in bytes (HISTORY_PAGE_MAX_BYTES, 1 MiB by default):
// no read materializes more than one page, and a page says where the next one starts.
import { runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { Room } from "../../src/room/room.ts";
import {
  connect,
  type Frame,
  freshRoom,
  publishHttp,
  request,
  roomStubOf,
  WARM_UP_MS,
  warmUp,
} from "../support/gateway.ts";
import { apiKey, signToken } from "../support/tokens.ts";

beforeAll(warmUp, WARM_UP_MS);

const PAGE_BYTES = 1_048_576;
const BIG = 60_000;

/** `n` messages whose payload is a string of `size` characters. */
const publishBig = (room: string, n: number, size = BIG) =>
  runInDurableObject(roomStubOf(room), async (instance: Room) => {
    for (let i = 0; i < n; i++)
      await instance.publish([
        { room, sender: { kind: "api_key", id: "t" }, event: "big", payloadJson: JSON.stringify("x".repeat(size)) },
      ]);
  });

type Page = { messages: Frame[]; seq: number; next?: number };

async function page(room: string, query: string, key = apiKey("adminacme")): Promise<Page> {
  const res = await request(`/v1/rooms/${room}/messages${query}`, { headers: { "x-api-key": key } });
  expect(res.status).toBe(200);
  return (await res.json()) as Page;
}

describe("history pages are bounded in bytes", () => {
  it("stops a page at the byte budget and names the since of the next page", async () => {
    const room = freshRoom();
    await publishBig(room, 40);
    const first = await page(room, "?limit=1000");
    expect(first.messages.length).toBeGreaterThan(0);
    expect(first.messages.length).toBeLessThan(40);
    expect(JSON.stringify(first.messages).length).toBeLessThanOrEqual(PAGE_BYTES);
    expect(first.next).toBe(first.messages.at(-1)?.seq);

    const seqs = first.messages.map((m) => m.seq);
    let next = first.next;
    for (let pages = 1; next !== undefined && pages < 10; pages++) {
      const more = await page(room, `?since=${next}&limit=1000`);
      seqs.push(...more.messages.map((m) => m.seq));
      next = more.next;
    }
    expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(next).toBeUndefined();
  });

  it("returns at least one message even when it alone exceeds the budget", async () => {
    const room = freshRoom();
    await publishBig(room, 2, 65_000);
    const first = await page(room, "?limit=1");
    expect(first.messages.map((m) => m.seq)).toEqual([1]);
    expect(first.next).toBe(1);
  });

  it("has no next when the page holds everything", async () => {
    const room = freshRoom();
    await publishBig(room, 3, 10);
    expect(await page(room, "")).not.toHaveProperty("next");
  });
});

describe("resume replays are bounded by the same budget", () => {
  it("answers recovered:false and replays nothing when the replay would exceed one page", async () => {
    const room = freshRoom();
    await publishBig(room, 40);
    const { socket, welcome } = await connect(room, await signToken({ sub: "catchup" }), "?since=0");
    expect(welcome).toMatchObject({ seq: 40, recovered: false });
    await publishHttp(room, apiKey("pubacme"), { event: "live", payload: null });
    expect(await socket.nextOfType("message")).toMatchObject({ seq: 41, event: "live" });
  });

  it("still replays a resume that fits", async () => {
    const room = freshRoom();
    await publishBig(room, 40);
    const { socket, welcome } = await connect(room, await signToken({ sub: "nearly" }), "?since=38");
    expect(welcome).toMatchObject({ seq: 40, recovered: true });
    expect((await socket.nextOfType("message")).seq).toBe(39);
    expect((await socket.nextOfType("message")).seq).toBe(40);
  });
});

describe("targeted messages in history", () => {
  it("are hidden from a presence-only API key and shown to an admin key", async () => {
    const room = freshRoom();
    const key = apiKey("pubacme");
    await publishHttp(room, key, { event: "all", payload: 1 });
    await publishHttp(room, key, { event: "private", payload: 2, to: { users: ["zoe"] } });
    expect((await page(room, "", apiKey("presacme"))).messages.map((m) => m.event)).toEqual(["all"]);
    expect((await page(room, "", apiKey("adminacme"))).messages.map((m) => m.event)).toEqual(["all", "private"]);
  });
});
