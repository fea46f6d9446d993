// The bench's webhook receiver (bench/harness/webhook-receiver.ts): every POST answered 200, each
// event counted once by id in its room, repeats and malformed bodies counted apart.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WebhookReceiver } from "../../bench/harness/webhook-receiver.ts";

let receiver: WebhookReceiver;

beforeEach(async () => {
  receiver = await WebhookReceiver.start();
});
afterEach(() => receiver.stop());

const post = (body: string) => fetch(receiver.url, { method: "POST", body }).then((r) => r.status);
const event = (id: string, room: string, type = "presence.joined") => ({ id, type, room, tenant: "bench" });

describe("the bench's webhook receiver", () => {
  it("answers 200 on loopback and counts each event once by id, by room and type", async () => {
    expect(receiver.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/hooks$/);
    const first = { events: [event("e1", "a"), event("e2", "a", "presence.left"), event("e3", "b")] };
    expect(await post(JSON.stringify(first))).toBe(200);
    expect(await post(JSON.stringify({ events: [event("e2", "a", "presence.left"), event("e4", "a")] }))).toBe(200);
    const a = receiver.eventsOf("a");
    expect(a).toMatchObject({ unique: 3, duplicates: 1, byType: { "presence.joined": 2, "presence.left": 1 } });
    expect(a.lastAt).toBeGreaterThanOrEqual(a.firstAt);
    expect(receiver.eventsOf("b").unique).toBe(1);
    expect(receiver.eventsOf("c")).toMatchObject({ unique: 0, duplicates: 0 });
    expect(receiver.posts).toBe(2);
  });

  it("answers a body that is not a batch of events 200 too, and counts it as malformed", async () => {
    expect(await post("not json")).toBe(200);
    expect(await post(JSON.stringify({ event: event("e1", "a") }))).toBe(200);
    expect(receiver.malformed).toBe(2);
    expect(receiver.eventsOf("a").unique).toBe(0);
  });
});
