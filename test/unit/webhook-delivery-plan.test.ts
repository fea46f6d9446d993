// The pure parts of webhook delivery: who gets what, in how many POSTs, when a failure is tried
// again, and what the outboxes are told.
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config.ts";
import type { QueuedEvent, WebhookMessage } from "../../src/protocol.ts";
import { nextStep } from "../../src/webhooks/backoff.ts";
import { chunk, eventsOf, plan } from "../../src/webhooks/batching.ts";
import { fateOf } from "../../src/webhooks/fate.ts";
import { reportsByOrigin } from "../../src/webhooks/reports.ts";
import type { Target } from "../../src/webhooks/target-cache.ts";

/** The defaults: retries from 10 s doubling to 15 min, for an hour. */
const settings = parseConfig({ JWT_SECRET: "s".repeat(32) }).webhooks;

const event = (id: string, type: QueuedEvent["type"] = "presence.joined", room = "lobby", size = 0): QueuedEvent => ({
  id,
  type,
  room,
  body: JSON.stringify({ id, type, room, pad: "x".repeat(size) }),
});

const target = (id: string, over: Partial<Target> = {}): Target => ({
  id,
  url: `https://${id}.example.com/`,
  events: ["presence.joined", "presence.left"],
  rooms: undefined,
  status: "enabled",
  failingSince: undefined,
  keys: [],
  ...over,
});

const message = (events: QueuedEvent[], over: Partial<WebhookMessage> = {}): WebhookMessage => ({
  v: 1,
  tenant: "acme",
  events,
  attempt: 0,
  ...over,
});

describe("delivery plan", () => {
  it("gives each endpoint the events its types and rooms select, from every message, in order", () => {
    const messages = [
      message([event("a"), event("b", "message.published"), event("c", "presence.left", "chat-1")]),
      message([event("d", "presence.joined", "chat-2")]),
    ];
    const { parts } = plan(messages, [
      target("we_all"),
      target("we_chat", { rooms: ["chat-*"] }),
      target("we_msgs", { events: ["message.published"] }),
      target("we_none", { events: ["room.vacated"] }),
    ]);
    const ids = (id: string) => (parts.get(id) ?? []).map((p) => [p.message, p.events.map((e) => e.id)]);
    expect(ids("we_all")).toEqual([
      [0, ["a", "c"]],
      [1, ["d"]],
    ]);
    expect(ids("we_chat")).toEqual([
      [0, ["c"]],
      [1, ["d"]],
    ]);
    expect(ids("we_msgs")).toEqual([[0, ["b"]]]);
    expect(parts.has("we_none")).toBe(false);
  });

  it("sends a retry only to the endpoints it names, and gives up on a named endpoint that was switched off", () => {
    const { parts, disabled } = plan(
      [message([event("a")], { endpoints: ["we_b", "we_c"], attempt: 1 })],
      [target("we_a"), target("we_b"), target("we_c", { status: "disabled" })],
    );
    expect([...parts.keys()]).toEqual(["we_b"]);
    expect(disabled).toEqual([{ message: 0, endpoint: "we_c" }]);
    const fresh = plan([message([event("a")])], [target("we_c", { status: "disabled" })]);
    expect(fresh.parts.size).toBe(0);
    expect(fresh.disabled).toEqual([]);
  });

  it("cuts POSTs at 100 events and at 256 KiB; an event larger than that goes alone", () => {
    const many = chunk([{ message: 0, events: Array.from({ length: 250 }, (_, i) => event(`e${i}`)) }]);
    expect(many.map((c) => eventsOf(c).length)).toEqual([100, 100, 50]);
    const big = chunk([
      { message: 0, events: [event("s1"), event("huge", "presence.joined", "lobby", 300_000), event("s2")] },
    ]);
    expect(big.map((c) => eventsOf(c).map((e) => e.id))).toEqual([["s1"], ["huge"], ["s2"]]);
    const heavy = chunk([
      { message: 0, events: Array.from({ length: 10 }, (_, i) => event(`h${i}`, "presence.joined", "lobby", 60_000)) },
    ]);
    for (const c of heavy) {
      const bytes = `{"events":[${eventsOf(c)
        .map((e) => e.body)
        .join(",")}]}`.length;
      expect(bytes).toBeLessThanOrEqual(256 * 1024);
    }
    expect(heavy.flatMap((c) => eventsOf(c).map((e) => e.id))).toEqual(Array.from({ length: 10 }, (_, i) => `h${i}`));
  });

  it("keeps the message each event came from when a POST spans messages", () => {
    const chunks = chunk([
      { message: 0, events: [event("a"), event("b")] },
      { message: 1, events: [event("c")] },
    ]);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]?.map((p) => [p.message, p.events.length])).toEqual([
      [0, 2],
      [1, 1],
    ]);
  });
});

describe("retry backoff", () => {
  it("doubles from the base up to the cap, jittered within the upper half", () => {
    const delays = [1, 2, 3, 4, 8, 12].map((n) => nextStep(n, 0, 0, settings, 1));
    expect(delays.map((d) => (d.kind === "retry" ? d.delayMs : 0))).toEqual([
      10_000, 20_000, 40_000, 80_000, 900_000, 900_000,
    ]);
    expect(nextStep(1, 0, 0, settings, 0)).toEqual({ kind: "retry", delayMs: 5_000 });
  });

  it("keeps trying for the whole window, lands the last attempt at its end, then gives up", () => {
    let now = 0;
    let failures = 0;
    for (;;) {
      failures += 1;
      const step = nextStep(failures, 0, now, settings, 0.5);
      if (step.kind === "dead_letter") break;
      now += step.delayMs;
    }
    expect(now).toBe(settings.retryWindowMs);
    expect(failures).toBeGreaterThan(8);
    expect(failures).toBeLessThan(20);
  });
});

describe("a message's fate", () => {
  const failed = new Map([["we_b", "HTTP 500"]]);

  it("is settled when every endpoint took it", () => {
    expect(fateOf(message([event("a")], { origin: "room-1" }), new Map(), [], 0, settings, 0.5)).toEqual({});
  });

  it("is a delayed retry for the failed endpoints only, carrying the origin and the first attempt's time", () => {
    const fate = fateOf(message([event("a")], { origin: "room-1" }), failed, [], 1_000, settings, 1);
    expect(fate.deadLetter).toBeUndefined();
    expect(fate.retry).toEqual({
      delayMs: 10_000,
      message: message([event("a")], {
        origin: "room-1",
        endpoints: ["we_b"],
        attempt: 1,
        firstAttemptAt: 1_000,
        errors: { we_b: "HTTP 500" },
      }),
    });
  });

  it("is a dead letter, with the origin, once the window has passed", () => {
    const m = message([event("a")], { origin: "room-1", attempt: 9, firstAttemptAt: 0, endpoints: ["we_b"] });
    const fate = fateOf(m, failed, [], settings.retryWindowMs, settings, 0.5);
    expect(fate.retry).toBeUndefined();
    expect(fate.deadLetter).toMatchObject({
      origin: "room-1",
      endpoints: ["we_b"],
      attempt: 10,
      errors: { we_b: "HTTP 500" },
    });
  });

  it("dead-letters a switched-off endpoint at once, leaving the origin with the retry of the others", () => {
    const fate = fateOf(message([event("a")], { origin: "room-1" }), failed, ["we_c"], 0, settings, 0.5);
    expect(fate.retry?.message).toMatchObject({ origin: "room-1", endpoints: ["we_b"] });
    expect(fate.deadLetter).toMatchObject({ endpoints: ["we_c"], errors: { we_c: "endpoint is disabled" } });
    expect(fate.deadLetter?.origin).toBeUndefined();
  });
});

describe("outbox reports", () => {
  it("tell each origin once which events are settled and which are retrying until when", () => {
    const reports = reportsByOrigin([
      { message: message([event("a"), event("b")], { origin: "r1" }) },
      { message: message([event("c")], { origin: "r1" }), retryUntil: 50 },
      { message: message([event("d")], { origin: "r1" }), retryUntil: 70 },
      { message: message([event("e")], { origin: "r2" }) },
      { message: message([event("f")]) },
    ]);
    expect(Object.fromEntries(reports)).toEqual({
      r1: { settled: ["a", "b"], retrying: ["c", "d"], retryUntil: 70 },
      r2: { settled: ["e"], retrying: [], retryUntil: 0 },
    });
  });
});
