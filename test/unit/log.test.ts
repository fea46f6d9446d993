import { describe, expect, it } from "vitest";
import { logLine, redact } from "../../src/log.ts";

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
