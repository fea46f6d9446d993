// The events a room records, as JSON text: the envelope every receiver parses, a client's message
// frame spliced in verbatim (or left out, when too big for a queue message), and which types the
// tenant's endpoints want from a room.
import { describe, expect, it } from "vitest";
import { messageEvent, occupancyEvent, presenceEvent, wantedIn } from "../../src/webhooks/events.ts";

const where = { tenant: "acme", room: "chat-1" };
const stamp = { id: "evt_1", ts: 1_796_000_000_000 };
const who = { user: "alice", connectionId: "c_1" };

describe("webhook event bodies", () => {
  it("carry id, type, tenant, room, ts and data, and the queue's copy of id, type and room", () => {
    const e = occupancyEvent(true, where, 7, stamp);
    expect(e).toMatchObject({ id: "evt_1", type: "room.occupied", room: "chat-1" });
    expect(JSON.parse(e.body)).toEqual({ ...stamp, type: "room.occupied", ...where, data: { counter: 7 } });
    expect(JSON.parse(presenceEvent(false, where, who, 8, stamp).body)).toMatchObject({
      type: "presence.left",
      data: { user: "alice", connectionId: "c_1", counter: 8 },
    });
  });

  it("splice a message frame in exactly as subscribers got it", () => {
    const frame = '{"type":"message","seq":3,"payload":{"text":"h\\u00e9 \\"quoted\\""}}';
    const body = messageEvent(where, who, { seq: 3, frame }, stamp).body;
    expect(body).toContain(`"message":${frame}`);
    expect(JSON.parse(body).data).toEqual({ ...who, message: JSON.parse(frame) });
  });

  it("leave out a frame too big for a queue message, naming its seq", () => {
    const frame = JSON.stringify({ type: "message", seq: 9, payload: "x".repeat(120_000) });
    const e = messageEvent(where, who, { seq: 9, frame }, stamp);
    expect(JSON.parse(e.body).data).toEqual({ ...who, seq: 9, truncated: true });
    expect(e.body.length).toBeLessThan(1_000);
  });
});

describe("what a tenant's endpoints want from a room", () => {
  it("is the union of the types of the endpoints whose rooms match", () => {
    const subs = [
      { events: ["room.occupied" as const] },
      { events: ["presence.joined" as const, "presence.left" as const], rooms: ["chat-*"] },
      { events: ["message.published" as const], rooms: ["other"] },
    ];
    expect(wantedIn(subs, "chat-1")).toEqual(["presence.joined", "presence.left", "room.occupied"]);
    expect(wantedIn(subs, "lobby")).toEqual(["room.occupied"]);
    expect(wantedIn([], "lobby")).toEqual([]);
  });
});
