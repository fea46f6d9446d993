import { describe, expect, it } from "vitest";
import { logLine, redact, redactAndCap } from "../../src/log.ts";

const JWT =
  "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsInRlbmFudCI6ImFjbWUifQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const KEY = "bgw_pubacme_Zx9-k_LmQ2s7Pq0wVbNcTyUe";

describe("redact", () => {
  it("hides a JWT wherever it appears", () => {
    const out = redact(`token ${JWT} rejected`);
    expect(out).toBe("token [redacted-jwt] rejected");
  });

  it("keeps an API key's id but hides its secret", () => {
    const out = redact(`key ${KEY} is revoked`);
    expect(out).toBe("key bgw_pubacme_[redacted] is revoked");
  });

  it("hides secrets in query parameters, keeping the rest of the URL", () => {
    expect(redact("/v1/rooms/r/ws?access_token=abc.def&since=3")).toBe(
      "/v1/rooms/r/ws?access_token=[redacted]&since=3",
    );
    expect(redact("/x?since=1&token=abc#frag")).toBe("/x?since=1&token=[redacted]#frag");
    expect(redact("/x?API_KEY=abc")).toBe("/x?API_KEY=[redacted]");
  });

  it("hides a JWT carried in a query parameter", () => {
    const out = redact(`GET /ws?access_token=${JWT}`);
    expect(out).not.toContain(JWT.split(".")[2]);
    expect(out).not.toContain(JWT.split(".")[1]);
  });

  it("leaves text without secrets unchanged", () => {
    const text = "room lobby: 3 sockets, seq 12, user alice, bgw_ prefix";
    expect(redact(text)).toBe(text);
  });
});

describe("redact on hostile input", () => {
  it("leaves a long run of eyJ without dots unchanged", () => {
    const text = `/${"eyJ".repeat(5000)}`;
    expect(redact(text)).toBe(text);
  });

  it("redacts a token that starts a long run, up to its third segment", () => {
    expect(redact(`/${"eyJ".repeat(5000)}.a.b.c/d`)).toBe("/[redacted-jwt].c/d");
  });

  it("redacts two tokens joined by a dot, and leaves a trailing pair of segments alone", () => {
    expect(redact(`${JWT}.${JWT}`)).toBe("[redacted-jwt].[redacted-jwt]");
    expect(redact("eyJa.b")).toBe("eyJa.b");
  });

  // The regex redact used before it was made linear, kept as the oracle: on short inputs its
  // quadratic retries cost nothing, and every span it matched must still be redacted.
  const FORMER_JWT = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g;
  const PIECES = ["eyJ", "e", "a", ".", "/", "-"];
  function* strings(length: number): Generator<string> {
    if (length === 0) {
      yield "";
      return;
    }
    for (const head of strings(length - 1)) for (const piece of PIECES) yield head + piece;
  }

  it("redacts exactly what the former JWT regex matched, for every string of up to 6 JWT-like pieces", () => {
    const differences: string[] = [];
    for (let n = 1; n <= 6; n++) {
      for (const text of strings(n)) {
        if (redact(text) !== text.replace(FORMER_JWT, "[redacted-jwt]")) differences.push(text);
      }
    }
    expect(differences).toEqual([]);
  });
});

describe("redactAndCap", () => {
  it("returns short text redacted and whole", () => {
    expect(redactAndCap(`/r/${JWT}`, 256)).toBe("/r/[redacted-jwt]");
  });

  it("cuts long text to the cap and marks it as truncated", () => {
    expect(redactAndCap("abcdefgh", 5)).toBe("abcde…[truncated]");
  });

  it("redacts before cutting, so a token split by the cap shows none of its segments", () => {
    // Cut first, this would keep the header and part of the payload: one dot, no longer JWT-shaped.
    expect(redactAndCap(`/x/${JWT}`, 3 + 40)).toBe("/x/[redacted-jwt]");
    expect(redactAndCap(`/x/${JWT}`, 3 + 9)).toBe("/x/[redacted…[truncated]");
  });
});

describe("logLine", () => {
  it("redacts every string field and drops undefined ones", () => {
    const line = JSON.parse(logLine("auth_failed", { error: `bad ${JWT}`, key: KEY, count: 2, skipped: undefined }));
    expect(line).toEqual({
      event: "auth_failed",
      error: "bad [redacted-jwt]",
      key: "bgw_pubacme_[redacted]",
      count: 2,
    });
  });
});
