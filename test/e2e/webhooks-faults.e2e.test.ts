// Webhooks under scale-out and faults, end to end: one `wrangler dev` (rate limits of the bench
// environment, ROOM_SHARDS=4, short retries) and a real receiver on loopback verifying every
// signature. Each run drives a fresh room through the waves of support/webhook-workload.ts and
// ends with the receiver holding exactly the events the room's life implies, after de-duplication
// by event id, each user's and the room's counters in the order of the states they describe. Each
// run prints the duplicates delivered (a fact to report, never asserted: at least once allows them).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep, waitFor } from "../support/wait.ts";
import { freshRoom } from "./support/client.ts";
import { printRun, startWebhookGateway, type WebhookGateway } from "./support/webhook-gateway.ts";
import type { Behaviour } from "./support/webhook-receiver.ts";
import { describeEvents, runWorkload, type Workload, type WorkloadResult } from "./support/webhook-workload.ts";

const SHARDS = 4;
const RETRY = { base: 1, maxDelay: 2 };
/**
 * Above the answer times of a CPU-starved gateway (a 2 s timeout turned a third of the scale run's
 * deliveries into retries on a loaded 2-core box), below the default 10 s so the slow run is short.
 */
const TIMEOUT_SECONDS = 5;
/**
 * A room re-hands what nobody reported on after this; a retrying delivery holds it its delay plus
 * twice this. Long enough for a starved consumer's report (5 s made most of the scale run's events
 * arrive twice on a loaded 2-core box); the restart run sets a short one, so what the kill leaves
 * behind is handed over again in seconds.
 */
const LEASE_SECONDS = 30;
const RESTART_LEASE_SECONDS = 3;
const VARS = {
  ROOM_SHARDS: String(SHARDS),
  WEBHOOK_RETRY_BASE_SECONDS: String(RETRY.base),
  WEBHOOK_RETRY_MAX_DELAY_SECONDS: String(RETRY.maxDelay),
  WEBHOOK_TIMEOUT_SECONDS: String(TIMEOUT_SECONDS),
  WEBHOOK_HANDOFF_LEASE_SECONDS: String(LEASE_SECONDS),
};
/** 50 users × 4 sockets = 200 sockets; half the users leave and come back mid-run. */
const SCALE: Workload = { users: 50, flappers: 25 };
const SMALL: Workload = { users: 4, flappers: 2 };
/** How long the receiver keeps failing, at least: a few retries at these settings. */
const FAULT_MS = 3_000;
/** Enough for every event to come through retries and re-hands, and for a gateway restart. */
const ARRIVAL_MS = 60_000;
/** A late copy would come from a retry still queued: wait the longest retry delay before counting. */
const SETTLE_MS = RETRY.maxDelay * 1000 + 500;
const RESTART_BUDGET_MS = 60_000;

let gw: WebhookGateway | undefined;

beforeAll(async () => {
  gw = await startWebhookGateway({ env: "bench", vars: VARS });
});

afterAll(async () => {
  await gw?.dispose();
});

function gateway(): WebhookGateway {
  if (gw === undefined) throw new Error("the gateway did not start");
  return gw;
}

/** Waits for the run's events, lets late copies come, checks the room's events exactly and prints the duplicates. */
async function expectEverything(run: string, room: string, result: WorkloadResult): Promise<void> {
  const { receiver } = gateway();
  await receiver.waitFor(() => receiver.eventsOf(room).length >= result.events, `${result.events} events`, ARRIVAL_MS);
  await sleep(SETTLE_MS);
  const duplicates = receiver.duplicatesIn(room);
  printRun(run, { sockets: result.sockets, events: result.events, "duplicates delivered": duplicates });
  expect(describeEvents(receiver.eventsOf(room))).toEqual({ ...result.expected, unexpected: [] });
  expect(receiver.badSignatures).toBe(0);
}

/** The receiver misbehaves (`behaviour`) while the workload runs and for at least FAULT_MS; `failed` proves the gateway met it. */
async function underFault(run: string, behaviour: Behaviour, failed: (lastError: string) => boolean): Promise<void> {
  const { receiver, endpoint } = gateway();
  const room = freshRoom();
  const faultedAt = Date.now();
  receiver.behaviour = behaviour;
  let result: WorkloadResult;
  try {
    result = await runWorkload(gateway(), room, SMALL);
    await waitFor("a failed delivery", async () => failed((await endpoint()).lastError ?? ""), ARRIVAL_MS);
    await sleep(FAULT_MS - (Date.now() - faultedAt));
  } finally {
    receiver.behaviour = { kind: "ok" };
  }
  await expectEverything(run, room, result);
  await waitFor("the endpoint's recovery", async () => (await endpoint()).failingSince === undefined, ARRIVAL_MS);
}

describe(`webhooks from a room of ROOM_SHARDS=${SHARDS}`, () => {
  it("reach the receiver exactly once each after de-duplication, 200 sockets of 50 users coming and going while they publish", async () => {
    const room = freshRoom();
    const result = await runWorkload(gateway(), room, SCALE);
    await expectEverything("scale: 50 users x 4 sockets, 25 leave and rejoin", room, result);
  }, 120_000);

  it("all arrive, by retries, after the receiver answered 500 for a while", () =>
    underFault(`receiver answers 500 for ${FAULT_MS / 1000} s`, { kind: "status", status: 500 }, (e) =>
      e.includes("HTTP 500"),
    ));

  it("all arrive, by retries, after the receiver answered slower than the delivery timeout", () =>
    underFault(
      `receiver answers after ${TIMEOUT_SECONDS + 1} s (timeout ${TIMEOUT_SECONDS} s)`,
      { kind: "slow", ms: (TIMEOUT_SECONDS + 1) * 1000 },
      (e) => e.includes("no answer within"),
    ));

  it("recorded before the gateway was killed all arrive after it restarts on the same state", async () => {
    const { dev, receiver } = gateway();
    const room = freshRoom();
    await dev.restart(RESTART_BUDGET_MS, { WEBHOOK_HANDOFF_LEASE_SECONDS: String(RESTART_LEASE_SECONDS) });
    // Down first, so nothing of the room is delivered before the kill: every event must survive
    // it, whether the queue still held it or a retry of it (both live in wrangler dev's memory).
    await receiver.stop();
    const result = await runWorkload(gateway(), room, SMALL);
    expect(receiver.eventsOf(room)).toEqual([]);
    await dev.restart(RESTART_BUDGET_MS);
    await receiver.start();
    await expectEverything("gateway killed and restarted", room, result);
  }, 120_000);
});
