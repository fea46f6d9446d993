// The Worker's half of the live tap: a tap socket's frames become server-sent events, with
// keep-alives, and an `end` event when the room closes it, the tap runs its longest, or the admin
// goes away. Driven through a real WebSocketPair inside workerd.
import { describe, expect, it } from "vitest";
import { SseParser } from "../../dashboard/src/sse.ts";
import { sseEvent, tapBody } from "../../src/usage/tap-stream.ts";

function pair() {
  const { 0: room, 1: worker } = new WebSocketPair();
  room.accept();
  worker.accept();
  return { room, worker };
}

/** Reads events from the body until `until` says stop (or the body ends), bounded by `timeoutMs`. */
async function readEvents(body: ReadableStream<Uint8Array>, until: (n: number) => boolean, timeoutMs = 2_000) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  const parser = new SseParser();
  const events: { event: string; data: string; id?: string }[] = [];
  let comments = 0;
  const deadline = Date.now() + timeoutMs;
  while (!until(events.length) && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    comments += (value.match(/^: keep-alive$/gm) ?? []).length;
    events.push(...parser.push(value));
  }
  reader.releaseLock();
  return { events, comments };
}

describe("sseEvent", () => {
  it("frames an event with its id and splits data on newlines", () => {
    expect(sseEvent("message", '{"seq":3}', 3)).toBe('event: message\nid: 3\ndata: {"seq":3}\n\n');
    expect(sseEvent("end", "a\nb")).toBe("event: end\ndata: a\ndata: b\n\n");
  });
});

describe("tapBody", () => {
  it("passes the room's ready and message frames on as events, in order, with seq as the id", async () => {
    const { room, worker } = pair();
    const body = tapBody(worker, { keepAliveMs: 60_000, maxMs: 60_000 });
    room.send(JSON.stringify({ type: "ready", room: "lobby", seq: 4 }));
    room.send(JSON.stringify({ type: "message", seq: 5, event: "e", to: { users: ["bob"] } }));
    room.send(JSON.stringify({ type: "message", seq: 6, event: "e" }));
    const { events } = await readEvents(body, (n) => n >= 3);
    expect(events.map((e) => [e.event, e.id])).toEqual([
      ["ready", undefined],
      ["message", "5"],
      ["message", "6"],
    ]);
    expect(JSON.parse(events[1]?.data ?? "")).toMatchObject({ to: { users: ["bob"] } });
    room.close(1000, "done");
  });

  it("sends keep-alives while quiet and ends the tap when it has run its longest", async () => {
    const { worker } = pair();
    const body = tapBody(worker, { keepAliveMs: 20, maxMs: 150 });
    const { events, comments } = await readEvents(body, () => false, 3_000);
    expect(comments).toBeGreaterThan(0);
    expect(events).toEqual([
      { event: "end", data: JSON.stringify({ reason: "the tap ran its longest; open it again" }) },
    ]);
  });

  it("ends with an event when the room closes the tap", async () => {
    const { room, worker } = pair();
    const body = tapBody(worker, { keepAliveMs: 60_000, maxMs: 60_000 });
    room.close(1001, "going away");
    const { events } = await readEvents(body, (n) => n >= 1);
    expect(events.map((e) => e.event)).toEqual(["end"]);
  });

  it("closes the tap socket when the admin goes away", async () => {
    const { room, worker } = pair();
    const closed = new Promise<number>((resolve) => room.addEventListener("close", (e) => resolve(e.code)));
    await tapBody(worker, { keepAliveMs: 60_000, maxMs: 60_000 }).cancel();
    expect(await closed).toBe(1000);
  });
});
