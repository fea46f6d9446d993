// Webhook outcomes in the tenant's usage series: the consumer counts events delivered, failed,
// retried and dead-lettered (at each endpoint) and flushes them once per batch, and
// GET /v1/admin/usage answers exactly the known workload, even when a flush failed on the way.

import { env } from "cloudflare:workers";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { configFor } from "../../src/config.ts";
import { sendReport } from "../../src/usage/partitions.ts";
import type { UsageReport } from "../../src/usage/report.ts";
import { request, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { freshTenant, jsonOf, operatorAs, tenantWithKey } from "./operator-helpers.ts";
import {
  consume,
  DEAD_LETTER_QUEUE,
  EVENTS_QUEUE,
  messageOf,
  queuedEvent,
  Receiver,
  recordingEnv,
} from "./webhook-helpers.ts";

beforeAll(warmUp, WARM_UP_MS);

const call = operatorAs("ophooksusage");
const receiver = new Receiver();
beforeEach(() => receiver.install());
afterEach(() => receiver.restore());

type Outcomes = { delivered: number; failed: number; retried: number; deadLettered: number };

/** A fresh tenant with an admin key, and calls to its own admin routes. */
async function meteredTenant() {
  const tenant = freshTenant("whu");
  const key = await tenantWithKey(call, tenant, ["admin"]);
  const admin = (method: string, path: string, body?: unknown) =>
    request(`/v1/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const endpoint = async (host: string, events: string[]) =>
    (await jsonOf<{ id: string }>(await admin("POST", "/webhooks", { url: `https://${host}/in`, events }), 201)).id;
  const usage = async () => {
    const answer = await jsonOf<{ totals: { webhooks: Outcomes }; buckets: { webhooks: Outcomes }[] }>(
      await admin("GET", "/usage?step=minute"),
      200,
    );
    return answer;
  };
  return { tenant, endpoint, usage };
}

/**
 * A recording env (webhook-helpers.ts) whose usage objects also record each flush of `tenant`, and
 * refuse the first `failing` of them (the report is lost on the way).
 */
function meteredEnv(tenant: string, failing = 0) {
  const recording = recordingEnv();
  const flushes: UsageReport[] = [];
  let refuse = failing;
  const USAGE = {
    idFromName: (name: string) => env.USAGE.idFromName(name),
    get: (id: DurableObjectId) => ({
      report: async (r: UsageReport) => {
        if (r.tenant === tenant) {
          flushes.push(r);
          if (refuse-- > 0) throw new Error("usage object unreachable");
        }
        return env.USAGE.get(id).report(r);
      },
    }),
  } as unknown as Cloudflare.Env["USAGE"];
  return { ...recording, env: { ...recording.env, USAGE }, flushes };
}

describe("webhook outcomes in the usage series", () => {
  it("count events delivered, failed, retried and dead-lettered at each endpoint, one flush per batch", async () => {
    const { tenant, endpoint, usage } = await meteredTenant();
    const ok = await endpoint("ok.hooks.test", ["presence.joined", "presence.left"]);
    const down = await endpoint("down.hooks.test", ["presence.joined"]);
    const gone = await endpoint("gone.hooks.test", ["message.published"]);
    expect([ok, down, gone]).toHaveLength(3);
    receiver.answer("down.hooks.test", 503);
    receiver.answer("gone.hooks.test", 500);

    // ok gets 3 joined + 2 left (5 delivered); down fails its 3 joined, which go to a retry; the
    // late message fails its 4 events at gone, past the retry window: dead-lettered.
    const fresh = messageOf(tenant, [
      ...Array.from({ length: 3 }, () => queuedEvent(tenant, "presence.joined", "lobby")),
      ...Array.from({ length: 2 }, () => queuedEvent(tenant, "presence.left", "lobby")),
    ]);
    const published = Array.from({ length: 4 }, () => queuedEvent(tenant, "message.published", "chat"));
    const late = messageOf(tenant, published, {
      endpoints: [gone],
      attempt: 9,
      firstAttemptAt: Date.now() - 3_600_001,
    });
    const first = meteredEnv(tenant);
    expect(await consume(EVENTS_QUEUE, [fresh, late], first.env)).toMatchObject({ acked: 2 });
    expect(first.queue).toHaveLength(1);
    expect(first.dlq).toHaveLength(1);
    expect(first.flushes).toHaveLength(1);
    expect((await usage()).totals.webhooks).toEqual({ delivered: 5, failed: 7, retried: 3, deadLettered: 0 });

    // The dead letter is stored: 4 events dead-lettered.
    const second = meteredEnv(tenant);
    await consume(DEAD_LETTER_QUEUE, [first.dlq[0]?.body], second.env);
    expect(second.flushes).toHaveLength(1);

    // The retry reaches down, now answering: 3 more delivered.
    receiver.answer("down.hooks.test", 200);
    const third = meteredEnv(tenant);
    await consume(EVENTS_QUEUE, [first.queue[0]?.body], third.env);
    expect(third.flushes).toHaveLength(1);

    const answer = await usage();
    expect(answer.totals.webhooks).toEqual({ delivered: 8, failed: 7, retried: 3, deadLettered: 4 });
    // Every count is in a bucket of the minute series, added up the same way.
    const summed = answer.buckets.reduce(
      (a, b) => ({
        delivered: a.delivered + b.webhooks.delivered,
        failed: a.failed + b.webhooks.failed,
        retried: a.retried + b.webhooks.retried,
        deadLettered: a.deadLettered + b.webhooks.deadLettered,
      }),
      { delivered: 0, failed: 0, retried: 0, deadLettered: 0 },
    );
    expect(summed).toEqual(answer.totals.webhooks);
    expect(receiver.to("ok.hooks.test")).toHaveLength(1);
  });

  it("keep a batch's counts when its flush fails and send them, once, with the next batch's", async () => {
    const { tenant, endpoint, usage } = await meteredTenant();
    await endpoint("ok.hooks.test", ["room.occupied"]);
    const occupied = () => messageOf(tenant, [queuedEvent(tenant, "room.occupied", "lobby")]);

    const first = meteredEnv(tenant, 1);
    expect(await consume(EVENTS_QUEUE, [occupied(), occupied()], first.env)).toMatchObject({ acked: 2 });
    expect(first.flushes).toHaveLength(1);
    expect((await usage()).totals.webhooks.delivered).toBe(0);

    // The unsent report goes first, as it was, then the new batch's own.
    const second = meteredEnv(tenant);
    await consume(EVENTS_QUEUE, [occupied()], second.env);
    expect(second.flushes.map((r) => r.flushId)).toEqual([first.flushes[0]?.flushId, expect.any(Number)]);
    expect((await usage()).totals.webhooks).toEqual({ delivered: 3, failed: 0, retried: 0, deadLettered: 0 });

    // Sent again (its answer lost, say), the first report is recognised and counts nothing twice.
    const replay = first.flushes[0];
    if (replay === undefined) throw new Error("no first flush");
    expect(await sendReport(env, configFor(env), replay.reporter, replay)).toEqual({ applied: false });
    expect((await usage()).totals.webhooks.delivered).toBe(3);
  });
});
