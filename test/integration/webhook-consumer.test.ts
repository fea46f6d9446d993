// The webhook queue consumer inside workerd, fed hand-made queue messages: what each endpoint
// receives and how it is signed, per-endpoint retries, dead letters and their redelivery, the
// switch-off of a failing endpoint, redirects and timeouts. The receiver is a fetch mock
// (webhook-helpers.ts); signatures are checked with the standardwebhooks library.

import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { beforeAll, describe, expect, it } from "vitest";
import { hubStub } from "../../src/webhooks/hub.ts";
import { forgetTargets } from "../../src/webhooks/target-cache.ts";
import { request, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { apiKey } from "../support/tokens.ts";
import {
  consume,
  DEAD_LETTER_QUEUE,
  EVENTS_QUEUE,
  eventually,
  messageOf,
  queuedEvent,
  receiverPerTest,
  recordingEnv,
} from "./webhook-helpers.ts";

const TENANT = "hooksd";
beforeAll(warmUp, WARM_UP_MS);

const receiver = receiverPerTest(TENANT);

type Created = { id: string; secret: string };

async function admin(method: string, path: string, body?: unknown): Promise<Response> {
  return request(`/v1/admin/webhooks${path}`, {
    method,
    headers: { authorization: `Bearer ${apiKey("hooksd")}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function endpoint(host: string, events: string[], rooms?: string[]): Promise<Created> {
  const res = await admin("POST", "", { url: `https://${host}/in`, events, ...(rooms ? { rooms } : {}) });
  expect(res.status).toBe(201);
  return res.json();
}

const joined = (room = "lobby") => queuedEvent(TENANT, "presence.joined", room);
const left = (room = "lobby") => queuedEvent(TENANT, "presence.left", room);
const published = (room = "lobby") => queuedEvent(TENANT, "message.published", room);

function verified(secret: string, host: string): unknown[] {
  return receiver.to(host).map((c) =>
    new Webhook(secret).verify(c.body, {
      "webhook-id": c.headers.get("webhook-id") ?? "",
      "webhook-timestamp": c.headers.get("webhook-timestamp") ?? "",
      "webhook-signature": c.headers.get("webhook-signature") ?? "",
    }),
  );
}

describe("the webhook consumer", () => {
  it("sends each endpoint the events it subscribed to, from the whole batch in one signed POST", async () => {
    const presence = await endpoint("a.hooks.test", ["presence.joined", "presence.left"]);
    const chat = await endpoint("b.hooks.test", ["message.published"], ["chat-*"]);
    const [e1, e2, e3, e4] = [joined(), published("chat-1"), left("chat-2"), published("lobby")];
    const { env: recording, queue } = recordingEnv();
    const outcome = await consume(EVENTS_QUEUE, [messageOf(TENANT, [e1, e2]), messageOf(TENANT, [e3, e4])], recording);
    expect(outcome).toEqual({ acked: 2, retried: 0, all: 2 });
    expect(queue).toEqual([]);
    expect(receiver.to("a.hooks.test")).toHaveLength(1);
    expect(receiver.eventIdsTo("a.hooks.test")).toEqual([e1.id, e3.id]);
    expect(receiver.eventIdsTo("b.hooks.test")).toEqual([e2.id]);
    expect(verified(presence.secret, "a.hooks.test")).toEqual([{ events: [JSON.parse(e1.body), JSON.parse(e3.body)] }]);
    expect(verified(chat.secret, "b.hooks.test")).toHaveLength(1);
    expect(() => verified(chat.secret, "a.hooks.test")).toThrow();
    const call = receiver.to("a.hooks.test")[0];
    expect(call?.headers.get("webhook-id")).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(call?.headers.get("content-type")).toBe("application/json");
    expect(call?.init?.redirect).toBe("manual");
  });

  it("splits a large batch into POSTs of at most 100 events, in order", async () => {
    await endpoint("a.hooks.test", ["presence.joined"]);
    const events = Array.from({ length: 150 }, () => joined());
    const outcome = await consume(EVENTS_QUEUE, [
      messageOf(TENANT, events.slice(0, 75)),
      messageOf(TENANT, events.slice(75)),
    ]);
    expect(outcome.acked).toBe(2);
    expect(receiver.to("a.hooks.test").map((c) => (JSON.parse(c.body) as { events: unknown[] }).events.length)).toEqual(
      [100, 50],
    );
    expect(receiver.eventIdsTo("a.hooks.test")).toEqual(events.map((e) => e.id));
  });

  it("retries only the endpoint that failed; the one that succeeded is not sent the events again", async () => {
    const good = await endpoint("a.hooks.test", ["presence.joined"]);
    const bad = await endpoint("b.hooks.test", ["presence.joined"]);
    receiver.answer("b.hooks.test", 503);
    const e = joined();
    const first = recordingEnv();
    expect(await consume(EVENTS_QUEUE, [messageOf(TENANT, [e], { origin: "room-x" })], first.env)).toMatchObject({
      acked: 1,
    });
    expect(first.dlq).toEqual([]);
    expect(first.queue).toHaveLength(1);
    const retry = first.queue[0];
    expect(retry?.body).toMatchObject({
      origin: "room-x",
      endpoints: [bad.id],
      attempt: 1,
      errors: { [bad.id]: "HTTP 503" },
    });
    // The first retry waits 5-10 s (base 10 s, jittered).
    expect(retry?.delaySeconds).toBeGreaterThanOrEqual(5);
    expect(retry?.delaySeconds).toBeLessThanOrEqual(10);
    expect((await hubStub(env, TENANT).get(bad.id))?.failingSince).toBeTypeOf("number");
    // The outbox keeps the event and leaves it alone until well after the retry is due.
    expect(first.reports).toEqual([
      { origin: "room-x", report: { settled: [], retrying: [e.id], retryUntil: expect.any(Number) } },
    ]);
    expect(first.reports[0]?.report.retryUntil).toBeGreaterThan(Date.now() + (retry?.delaySeconds ?? 0) * 1000);

    receiver.answer("b.hooks.test", 200);
    const second = recordingEnv();
    expect(await consume(EVENTS_QUEUE, [retry?.body], second.env)).toMatchObject({ acked: 1 });
    expect(second.queue).toEqual([]);
    expect(second.reports).toEqual([{ origin: "room-x", report: { settled: [e.id], retrying: [], retryUntil: 0 } }]);
    expect(receiver.eventIdsTo("a.hooks.test")).toEqual([e.id]);
    expect(receiver.eventIdsTo("b.hooks.test")).toEqual([e.id, e.id]);
    // The retry carried the same events to the same endpoint: the same delivery id.
    const ids = receiver.to("b.hooks.test").map((c) => c.headers.get("webhook-id"));
    expect(ids[0]).toBe(ids[1]);
    expect((await hubStub(env, TENANT).get(bad.id))?.failingSince).toBeUndefined();
    expect((await hubStub(env, TENANT).get(good.id))?.status).toBe("enabled");
  });

  it("dead-letters after the retry window, lists the failure and redelivers it through the queue", async () => {
    const bad = await endpoint("b.hooks.test", ["presence.left"]);
    receiver.answer("b.hooks.test", 500);
    const events = [left(), left()];
    const started = Date.now() - 3_600_001;
    const recording = recordingEnv();
    const late = messageOf(TENANT, events, {
      origin: "room-y",
      endpoints: [bad.id],
      attempt: 9,
      firstAttemptAt: started,
    });
    expect(await consume(EVENTS_QUEUE, [late], recording.env)).toMatchObject({ acked: 1 });
    expect(recording.queue).toEqual([]);
    expect(recording.dlq).toHaveLength(1);
    // The outbox hears once the dead letter is stored, not before.
    expect(recording.reports).toEqual([]);
    expect(await consume(DEAD_LETTER_QUEUE, [recording.dlq[0]?.body], recording.env)).toMatchObject({ acked: 1 });
    expect(recording.reports).toEqual([
      { origin: "room-y", report: { settled: events.map((e) => e.id), retrying: [], retryUntil: 0 } },
    ]);

    const listed = (await (await admin("GET", `/${bad.id}/failures`)).json()) as {
      failures: Record<string, unknown>[];
    };
    expect(listed.failures).toEqual([
      {
        id: expect.stringMatching(/^dl_[a-z0-9]{20}$/),
        endpoint: bad.id,
        eventIds: events.map((e) => e.id),
        attempts: 10,
        firstAttemptAt: started,
        lastAttemptAt: expect.any(Number),
        lastError: "HTTP 500",
      },
    ]);
    // The same dead letter consumed twice is one record.
    await consume(DEAD_LETTER_QUEUE, [recording.dlq[0]?.body], recording.env);
    expect(
      ((await (await admin("GET", `/${bad.id}/failures`)).json()) as { failures: unknown[] }).failures,
    ).toHaveLength(1);

    receiver.answer("b.hooks.test", 200);
    const before = receiver.to("b.hooks.test").length;
    const deliveryId = String(listed.failures[0]?.id);
    const res = await admin("POST", `/${bad.id}/failures/${deliveryId}/redeliver`);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ deliveryId, events: 2, status: "queued" });
    // The real queue hands it to the real consumer, which posts it and forgets the dead letter.
    await eventually(async () => (await hubStub(env, TENANT).deadLetters(bad.id))?.length === 0, "the redelivery");
    expect(
      receiver
        .to("b.hooks.test")
        .slice(before)
        .flatMap((c) => JSON.parse(c.body).events.map((e: { id: string }) => e.id)),
    ).toEqual(events.map((e) => e.id));
  });

  it("never follows a redirect: a 3xx is a failure", async () => {
    const moved = await endpoint("b.hooks.test", ["presence.joined"]);
    receiver.answer(
      "b.hooks.test",
      () => new Response(null, { status: 302, headers: { location: "https://10.0.0.1/" } }),
    );
    const recording = recordingEnv();
    await consume(EVENTS_QUEUE, [messageOf(TENANT, [joined()])], recording.env);
    expect(receiver.calls.map((c) => c.host)).toEqual(["b.hooks.test"]);
    expect(recording.queue[0]?.body.errors).toEqual({ [moved.id]: "HTTP 302 (redirects are not followed)" });
  });

  it("gives up on an endpoint that does not answer within the timeout", async () => {
    const slow = await endpoint("b.hooks.test", ["presence.joined"]);
    receiver.answer(
      "b.hooks.test",
      ({ init }) =>
        new Promise((_, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal?.reason))),
    );
    const recording = recordingEnv({ WEBHOOK_TIMEOUT_SECONDS: "1" });
    await consume(EVENTS_QUEUE, [messageOf(TENANT, [joined()])], recording.env);
    expect(recording.queue[0]?.body.errors).toEqual({ [slow.id]: "no answer within 1 s" });
  });

  it("switches off an endpoint whose every delivery failed for the configured time, until it is patched back on", async () => {
    const flaky = await endpoint("b.hooks.test", ["presence.joined"]);
    receiver.answer("b.hooks.test", 500);
    const day = 24 * 3_600_000;
    await runInDurableObject(hubStub(env, TENANT), (_, state) =>
      state.storage.sql.exec("UPDATE endpoints SET failing_since = ? WHERE id = ?", Date.now() - day - 1, flaky.id),
    );
    forgetTargets(TENANT);
    const recording = recordingEnv();
    await consume(EVENTS_QUEUE, [messageOf(TENANT, [joined()])], recording.env);
    const off = (await (await admin("GET", `/${flaky.id}`)).json()) as Record<string, unknown>;
    expect(off).toMatchObject({ status: "disabled", lastError: "HTTP 500" });
    expect(String(off.disabledReason)).toMatch(
      /^every delivery failed for 1440 min \(since .*\); last error: HTTP 500$/,
    );

    // While off: new events are not sent; a pending retry for it is dead-lettered at once.
    const calls = receiver.calls.length;
    const whileOff = recordingEnv();
    await consume(EVENTS_QUEUE, [messageOf(TENANT, [joined()])], whileOff.env);
    const pending = messageOf(TENANT, [joined()], { endpoints: [flaky.id], attempt: 2, firstAttemptAt: Date.now() });
    await consume(EVENTS_QUEUE, [pending], whileOff.env);
    expect(receiver.calls.length).toBe(calls);
    expect(whileOff.queue).toEqual([]);
    expect(whileOff.dlq.map((s) => s.body.errors)).toEqual([{ [flaky.id]: "endpoint is disabled" }]);

    receiver.answer("b.hooks.test", 200);
    const on = (await (await admin("PATCH", `/${flaky.id}`, { status: "enabled" })).json()) as Record<string, unknown>;
    expect(on.status).toBe("enabled");
    expect(on.failingSince).toBeUndefined();
    const e = joined();
    await consume(EVENTS_QUEUE, [messageOf(TENANT, [e])]);
    expect(receiver.eventIdsTo("b.hooks.test").at(-1)).toBe(e.id);
  });

  it("signs with the old and the new secret for a day after a rotation", async () => {
    const created = await endpoint("a.hooks.test", ["presence.joined"]);
    const rotated = (await (await admin("POST", `/${created.id}/rotate-secret`)).json()) as Created;
    await consume(EVENTS_QUEUE, [messageOf(TENANT, [joined()])]);
    expect(receiver.to("a.hooks.test")[0]?.headers.get("webhook-signature")?.split(" ")).toHaveLength(2);
    expect(verified(rotated.secret, "a.hooks.test")).toHaveLength(1);
    expect(verified(created.secret, "a.hooks.test")).toHaveLength(1);
  });

  it("sends nothing more to an endpoint deleted while a retry was pending", async () => {
    const gone = await endpoint("b.hooks.test", ["presence.joined"]);
    await admin("DELETE", `/${gone.id}`);
    const recording = recordingEnv();
    const retry = messageOf(TENANT, [joined()], { endpoints: [gone.id], attempt: 1, firstAttemptAt: Date.now() });
    expect(await consume(EVENTS_QUEUE, [retry], recording.env)).toMatchObject({ acked: 1 });
    expect(receiver.calls).toEqual([]);
    expect([...recording.queue, ...recording.dlq]).toEqual([]);
  });

  it("drops a message it cannot parse and keeps consuming the rest", async () => {
    await endpoint("a.hooks.test", ["presence.joined"]);
    const e = joined();
    const outcome = await consume(EVENTS_QUEUE, [{ v: 2, junk: true }, "text", messageOf(TENANT, [e])]);
    expect(outcome).toEqual({ acked: 3, retried: 0, all: 3 });
    expect(receiver.eventIdsTo("a.hooks.test")).toEqual([e.id]);
  });

  it("receives what is sent to the real queue", async () => {
    await endpoint("a.hooks.test", ["room.occupied"]);
    const e = queuedEvent(TENANT, "room.occupied", "lobby");
    await env.WEBHOOK_QUEUE.send(messageOf(TENANT, [e]));
    await eventually(() => receiver.eventIdsTo("a.hooks.test").includes(e.id), "the queued event");
  });
});
