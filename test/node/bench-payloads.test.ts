// The publish bodies (bench/load/payloads.ts): each payload is exactly the size a phase asks for,
// starts with the `i` the receive path scans for and holds no other, and the realistic JSON differs
// from message to message (compression must not see one repeated document) yet is the same in every run.
import { describe, expect, it } from "vitest";
import { scanMessages } from "../../bench/load/deliveries.ts";
import { publishBody } from "../../bench/load/payloads.ts";

function payloadOf(body: string): string {
  const parsed: unknown = JSON.parse(body);
  if (typeof parsed !== "object" || parsed === null || !("payload" in parsed)) throw new Error("no payload");
  return JSON.stringify(parsed.payload);
}

const found = (body: string) => {
  const out: number[] = [];
  scanMessages(Buffer.from(body), (i) => out.push(i));
  return out;
};

describe("publishBody", () => {
  for (const fill of ["pad", "json"] as const)
    for (const bytes of [256, 4_096])
      it(`fills a ${fill} payload to exactly ${bytes} bytes, with one i, first`, () => {
        const body = publishBody(1_000_042, 1_800_000_000_000, bytes, "bench", fill);
        const payload = payloadOf(body);
        expect(Buffer.byteLength(payload)).toBe(bytes);
        expect(payload.startsWith('{"i":1000042,"t":1800000000000,')).toBe(true);
        expect(found(body)).toEqual([1_000_042]);
      });

  it("gives each message its own JSON, the same in every run", () => {
    const a = payloadOf(publishBody(1, 0, 4_096, "bench", "json"));
    const b = payloadOf(publishBody(2, 0, 4_096, "bench", "json"));
    expect(a.slice(20)).not.toBe(b.slice(20));
    expect(payloadOf(publishBody(1, 0, 4_096, "bench", "json"))).toBe(a);
  });

  it("fills the JSON with records, not with padding", () => {
    const payload: unknown = JSON.parse(payloadOf(publishBody(7, 0, 4_096, "bench", "json")));
    if (typeof payload !== "object" || payload === null || !("items" in payload) || !("pad" in payload))
      throw new Error("not the realistic shape");
    expect(Array.isArray(payload.items) && payload.items.length).toBeGreaterThan(10);
    expect(String(payload.pad).length).toBeLessThan(300);
  });
});
