// A webhook receiver inside workerd: global fetch to `*.hooks.test` is answered here (the
// Worker's consumer runs in the tests' isolate, so it calls this), everything else goes out.
// Plus hand-made queue messages and a Worker env whose queues record what is sent to them.

import { createExecutionContext, createMessageBatch, getQueueResult, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, type MockInstance, vi } from "vitest";
import worker from "../../src/index.ts";
import type { QueuedEvent, WebhookMessage } from "../../src/protocol.ts";
import { hubStub } from "../../src/webhooks/hub.ts";
import type { OutboxReport } from "../../src/webhooks/reports.ts";
import { seal } from "../../src/webhooks/secret-box.ts";
import { forgetTargets } from "../../src/webhooks/target-cache.ts";
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from "../../src/wire.ts";

/**
 * Installs a receiver around each test of the file, and deletes `tenant`'s endpoints after each
 * (the hub keeps at most 10); answers the receiver.
 */
export function receiverPerTest(tenant: string): Receiver {
  const receiver = new Receiver();
  beforeEach(() => receiver.install());
  afterEach(async () => {
    receiver.restore();
    const hub = hubStub(env, tenant);
    for (const e of await hub.list()) await hub.remove(e.id);
    forgetTargets(tenant);
  });
  return receiver;
}

export type Received = { url: string; host: string; headers: Headers; body: string; init: RequestInit | undefined };
type Answer = (call: Received) => Response | Promise<Response>;

export class Receiver {
  readonly calls: Received[] = [];
  private readonly answers = new Map<string, Answer>();
  private spy: MockInstance<typeof fetch> | undefined;

  /** Starts answering, with no calls recorded and every host at 200. */
  install(): void {
    this.calls.length = 0;
    this.answers.clear();
    const real = globalThis.fetch.bind(globalThis);
    this.spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (!url.hostname.endsWith(".hooks.test")) return real(input, init);
      const call = {
        url: url.href,
        host: url.hostname,
        headers: new Headers(init?.headers),
        body: String(init?.body),
        init,
      };
      this.calls.push(call);
      return (this.answers.get(url.hostname) ?? (() => new Response("ok")))(call);
    });
  }

  restore(): void {
    this.spy?.mockRestore();
  }

  /** How `host` answers from now on (default: 200). */
  answer(host: string, answer: Answer | number): void {
    this.answers.set(host, typeof answer === "number" ? () => new Response("no", { status: answer }) : answer);
  }

  to(host: string): Received[] {
    return this.calls.filter((c) => c.host === host);
  }

  /** The event ids every POST to `host` carried, in order. */
  eventIdsTo(host: string): string[] {
    return this.to(host).flatMap((c) => (JSON.parse(c.body) as { events: { id: string }[] }).events.map((e) => e.id));
  }
}

export function queuedEvent(tenant: string, type: WebhookEventType, room: string): QueuedEvent {
  const id = `evt_${crypto.randomUUID()}`;
  const body = JSON.stringify({ id, type, tenant, room, ts: Date.now(), data: { user: "alice", counter: 1 } });
  return { id, type, room, body };
}

export const messageOf = (
  tenant: string,
  events: QueuedEvent[],
  over: Partial<WebhookMessage> = {},
): WebhookMessage => ({
  v: 1,
  tenant,
  events,
  attempt: 0,
  ...over,
});

export type Sent = { body: WebhookMessage; delaySeconds: number | undefined };

/**
 * The test env with queues that record what the consumer sends them, room objects that record the
 * outbox reports they get (by object name), and optional var overrides.
 */
export function recordingEnv(vars: Record<string, string> = {}) {
  const queue: Sent[] = [];
  const dlq: Sent[] = [];
  const reports: { origin: string; report: OutboxReport }[] = [];
  const rooms = {
    idFromName: (name: string) => name,
    get: (origin: string) => ({
      webhookReport: async (report: OutboxReport) => {
        reports.push({ origin, report });
      },
    }),
  } as unknown as Cloudflare.Env["ROOMS"];
  const recorder = (list: Sent[]) =>
    ({
      send: async (body: WebhookMessage, options?: QueueSendOptions) => {
        list.push({ body, delaySeconds: options?.delaySeconds });
      },
      sendBatch: async () => {
        throw new Error("the consumer sends one message at a time");
      },
    }) as unknown as Queue;
  const recording = { ...env, ...vars, ROOMS: rooms, WEBHOOK_QUEUE: recorder(queue), WEBHOOK_DLQ: recorder(dlq) };
  return { env: recording, queue, dlq, reports };
}

export const EVENTS_QUEUE = "broadcast-webhooks";
export const DEAD_LETTER_QUEUE = "broadcast-webhooks-dlq";

/** Runs the Worker's queue() on hand-made message bodies and answers what it acked and retried. */
export async function consume(queueName: string, bodies: unknown[], workerEnv: Cloudflare.Env = env) {
  const batch = createMessageBatch(
    queueName,
    bodies.map((body) => ({ id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, workerEnv, ctx);
  const result = await getQueueResult(batch, ctx);
  const ids = batch.messages.map((m) => m.id);
  return {
    acked: ids.filter((id) => result.explicitAcks.includes(id)).length,
    retried: result.retryMessages.length,
    all: ids.length,
  };
}

/** Polls `check` until it returns true, at most `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5_000) {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Registers an endpoint of `tenant` for every event type (from `rooms`, or every room) straight in
 * its hub. Its URL is one the consumer refuses at delivery (a private address, which the routes
 * would not have taken): the queue's consumer runs during these tests, and this way nothing leaves
 * the test and no event is settled, so the rooms' outboxes keep what they recorded.
 */
export async function subscribeToEverything(tenant: string, id: string, rooms?: string[]): Promise<void> {
  const secret = await seal(env.WEBHOOK_SECRET_KEY ?? "", new Uint8Array(32), tenant, id);
  const events = [...WEBHOOK_EVENT_TYPES];
  await hubStub(env, tenant).create({ id, url: "https://10.0.0.1/in", events, rooms, secret });
}

export type RecordedEvent = { id: string; type: string; tenant: string; room: string; data: Record<string, unknown> };

/** The events in a room object's outbox, in the order recorded. */
export function outboxOf(stub: DurableObjectStub): Promise<RecordedEvent[]> {
  return runInDurableObject(stub, (_, state) => {
    const sql = state.storage.sql;
    if (sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'webhook_outbox'").toArray().length === 0) return [];
    return sql
      .exec<{ body: string }>("SELECT body FROM webhook_outbox ORDER BY seq")
      .toArray()
      .map((r) => JSON.parse(r.body) as RecordedEvent);
  });
}
