// Signatures a Standard Webhooks library verifies, and signing secrets that only open for the
// endpoint they were sealed for.
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { open, seal } from "../../src/webhooks/secret-box.ts";
import { formatSecret, hmacKey, secretBytesOf, signatureHeader } from "../../src/webhooks/signing.ts";

const randomBytes = (n: number) => crypto.getRandomValues(new Uint8Array(n));
const keyText = () => btoa(String.fromCharCode(...randomBytes(32)));

describe("webhook signatures", () => {
  it("verify with the standardwebhooks library, one secret or two during a rotation", async () => {
    const [older, newer] = [formatSecret(randomBytes(32)), formatSecret(randomBytes(32))];
    const body = '{"events":[{"id":"e1"}]}';
    const timestamp = Math.floor(Date.now() / 1000);
    const keys = await Promise.all([newer, older].map((s) => hmacKey(secretBytesOf(s))));
    const header = await signatureHeader(keys, "msg_1", timestamp, body);
    expect(header.split(" ")).toHaveLength(2);
    const headers = { "webhook-id": "msg_1", "webhook-timestamp": String(timestamp), "webhook-signature": header };
    for (const secret of [older, newer])
      expect(new Webhook(secret).verify(body, headers)).toEqual({ events: [{ id: "e1" }] });
    const stranger = formatSecret(randomBytes(32));
    expect(() => new Webhook(stranger).verify(body, headers)).toThrow();
    expect(() => new Webhook(newer).verify(body.replace("e1", "e2"), headers)).toThrow();
  });
});

describe("sealed signing secrets", () => {
  it("open with the key, for the tenant and endpoint they were sealed for only", async () => {
    const key = keyText();
    const secret = randomBytes(32);
    const sealed = await seal(key, secret, "acme", "we_1");
    expect(sealed).toMatch(/^v1\.[0-9a-f]{8}\./);
    expect(await open(key, sealed, "acme", "we_1")).toEqual(secret);
    await expect(open(key, sealed, "acme", "we_2")).rejects.toThrow("does not open");
    await expect(open(key, sealed, "globex", "we_1")).rejects.toThrow("does not open");
    await expect(open(keyText(), sealed, "acme", "we_1")).rejects.toThrow("another WEBHOOK_SECRET_KEY");
  });
});
