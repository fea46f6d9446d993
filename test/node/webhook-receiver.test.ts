// The e2e webhook receiver accepts what the gateway's signing produces, refuses anything else,
// keeps each event once and fails on demand.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { formatSecret, hmacKey, secretBytesOf, signatureHeader } from "../../src/webhooks/signing.ts";
import { WebhookReceiver } from "../e2e/support/webhook-receiver.ts";

const secret = formatSecret(crypto.getRandomValues(new Uint8Array(32)));
let receiver: WebhookReceiver;

beforeEach(async () => {
  receiver = new WebhookReceiver();
  receiver.useSecret(secret);
  await receiver.start();
});
afterEach(() => receiver.stop());

async function post(events: { id: string }[], signWith = secret): Promise<number> {
  const body = JSON.stringify({ events });
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = await signatureHeader([await hmacKey(secretBytesOf(signWith))], "msg_1", timestamp, body);
  const res = await fetch(receiver.url, {
    method: "POST",
    headers: { "webhook-id": "msg_1", "webhook-timestamp": String(timestamp), "webhook-signature": signature },
    body,
  });
  return res.status;
}

describe("the e2e webhook receiver", () => {
  it("keeps each signed event once and counts duplicates", async () => {
    expect(await post([{ id: "a" }, { id: "b" }])).toBe(204);
    expect(await post([{ id: "b" }, { id: "c" }])).toBe(204);
    expect(receiver.events.map((e) => e.id)).toEqual(["a", "b", "c"]);
    expect(receiver).toMatchObject({ duplicates: 1, deliveries: 2, badSignatures: 0 });
  });

  it("refuses a delivery signed with another secret", async () => {
    expect(await post([{ id: "x" }], formatSecret(crypto.getRandomValues(new Uint8Array(32))))).toBe(401);
    expect(receiver.events).toEqual([]);
    expect(receiver.badSignatures).toBe(1);
  });

  it("fails on demand: an error status, then down, then back on the same port", async () => {
    receiver.behaviour = { kind: "status", status: 500 };
    expect(await post([{ id: "y" }])).toBe(500);
    receiver.behaviour = { kind: "ok" };
    const url = receiver.url;
    await receiver.stop();
    await expect(post([{ id: "y" }])).rejects.toThrow();
    await receiver.start();
    expect(receiver.url).toBe(url);
    expect(await post([{ id: "y" }])).toBe(204);
  });
});
