// The hostile corpus itself: big enough, deterministic, and its expectations internally sound.
import { describe, expect, it } from "vitest";
import {
  asReceived,
  frameCorpus,
  httpCorpus,
  INVALID_UTF8,
  MAX_FRAME_BYTES,
  MAX_PAYLOAD_BYTES,
} from "../support/hostile-corpus.ts";

async function fingerprint(cases: readonly { name: string; category: string; data?: unknown; body?: unknown }[]) {
  const parts = cases.map((c) => {
    const data = c.data ?? c.body ?? "";
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : (data as Uint8Array);
    return `${c.category}|${c.name}|${bytes.length}|${bytes.slice(0, 64).join(",")}|${bytes.slice(-64).join(",")}`;
  });
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(parts.join("\n")));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const frames = frameCorpus();
const requests = httpCorpus();

describe("the hostile corpus", () => {
  it("holds at least 2,000 frames and requests that must be refused, besides the edge cases that are accepted", () => {
    const refused = [...frames, ...requests].filter((c) => c.expect.kind === "error");
    expect(refused.length).toBeGreaterThanOrEqual(2000);
    expect(frames.filter((c) => c.expect.kind === "error").length).toBeGreaterThanOrEqual(1000);
    expect(requests.filter((c) => c.expect.kind === "error").length).toBeGreaterThanOrEqual(900);
  });

  it("is the same on every run and changes with the seed", async () => {
    expect(await fingerprint(frameCorpus())).toBe(await fingerprint(frames));
    expect(await fingerprint(httpCorpus())).toBe(await fingerprint(requests));
    expect(await fingerprint(frameCorpus(1))).not.toBe(await fingerprint(frames));
    expect(await fingerprint(httpCorpus(1))).not.toBe(await fingerprint(requests));
  });

  it("expects invalid_json only for texts that JSON.parse refuses", () => {
    const refused = (text: string) => {
      try {
        JSON.parse(text);
        return false;
      } catch {
        return true;
      }
    };
    for (const c of frames.filter((f) => f.expect.kind === "error" && f.expect.code === "invalid_json"))
      expect(typeof c.data === "string" && refused(c.data), c.name).toBe(true);
    for (const c of requests.filter((r) => r.expect.kind === "error" && r.expect.code === "invalid_json")) {
      const text = c.body === undefined ? "" : typeof c.body === "string" ? c.body : new TextDecoder().decode(c.body);
      expect(refused(text), c.name).toBe(true);
    }
  });

  it("renders invalid UTF-8 the way the platform's decoder does", () => {
    for (const s of INVALID_UTF8) expect(new TextDecoder().decode(new Uint8Array(s.bytes)), s.name).toBe(s.decoded);
  });

  it("puts its size boundaries exactly where the limits are", () => {
    const frame = (name: string) => frames.find((c) => c.name === name)?.data;
    const body = (name: string) => requests.find((c) => c.name === name)?.body;
    expect(frame("frame of exactly the frame limit")).toHaveLength(MAX_FRAME_BYTES);
    expect(frame("frame one byte over the frame limit")).toHaveLength(MAX_FRAME_BYTES + 1);
    expect(body("body of exactly the body limit")).toHaveLength(MAX_FRAME_BYTES);
    expect(body("body one byte over the body limit")).toHaveLength(MAX_FRAME_BYTES + 1);
    const exact = frames.find((c) => c.name === "payload of exactly the limit");
    expect(exact?.expect.kind === "ack" && exact.expect.delivers.payloadJson.length).toBe(MAX_PAYLOAD_BYTES);
  });

  it("reads a lone surrogate as the three U+FFFD its invalid UTF-8 bytes (ED A0 80) decode to", () => {
    expect(asReceived("a\uD800b\uDC00\uD83D\uDE00")).toBe("a\uFFFD\uFFFD\uFFFDb\uFFFD\uFFFD\uFFFD\uD83D\uDE00");
    expect(new TextDecoder().decode(new Uint8Array([0x61, 0xed, 0xa0, 0x80, 0x62]))).toBe(asReceived("a\uD800b"));
  });

  it("expects a ref echo only where the frame carries one", () => {
    for (const c of frames) {
      if (c.expect.kind !== "error" || c.expect.ref === undefined) continue;
      expect(typeof c.data === "string" && c.data.includes('"ref":'), c.name).toBe(true);
    }
  });
});
