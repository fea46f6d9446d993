import { describe, expect, it } from "vitest";
import { closeVerdict, upgradeVerdict } from "../../src/client/codes.ts";

describe("closeVerdict", () => {
  it("retries after drops, restarts, going-away and internal errors", () => {
    for (const code of [1000, 1001, 1005, 1006, 1011, 1012, 1013])
      expect(closeVerdict(code, false), String(code)).toEqual({ retry: true });
  });

  it("stops for good on a revoked token, an operator disconnect and a policy violation", () => {
    expect(closeVerdict(4002, false)).toMatchObject({ retry: false, code: "token_revoked" });
    expect(closeVerdict(4003, false)).toMatchObject({ retry: false, code: "disconnected" });
    expect(closeVerdict(1008, false)).toMatchObject({ retry: false, code: "policy_violation" });
  });

  it("reconnects with a fresh token after 4001, unless the last refresh failed", () => {
    expect(closeVerdict(4001, false)).toEqual({ retry: true });
    expect(closeVerdict(4001, true)).toMatchObject({ retry: false, code: "token_expired" });
  });

  it("treats every other 4xxx code as terminal", () => {
    expect(closeVerdict(4999, false)).toMatchObject({ retry: false, code: "server_closed" });
  });
});

describe("upgradeVerdict (Node with ws)", () => {
  it("stops on 401 and 403, keeping the gateway's error code", () => {
    expect(upgradeVerdict(401, "token_expired")).toMatchObject({ retry: false, code: "token_expired" });
    expect(upgradeVerdict(403, undefined)).toMatchObject({ retry: false, code: "forbidden" });
    expect(upgradeVerdict(401, undefined)).toMatchObject({ retry: false, code: "unauthorized" });
    expect(upgradeVerdict(400, "invalid_room")).toMatchObject({ retry: false, code: "invalid_room" });
    expect(upgradeVerdict(404, undefined)).toMatchObject({ retry: false, code: "http_404" });
  });

  it("retries 429 honouring Retry-After, and 5xx", () => {
    expect(upgradeVerdict(429, "rate_limited", 7_000)).toEqual({ retry: true, retryAfterMs: 7_000 });
    expect(upgradeVerdict(429, "rate_limited")).toEqual({ retry: true });
    expect(upgradeVerdict(503, undefined)).toEqual({ retry: true });
  });
});
