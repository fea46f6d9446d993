import { describe, expect, it } from "vitest";
import { closeVerdict, refusalStatus, refusalVerdict } from "../../src/client/codes.ts";
import { ClientError, clientErrorCode, gatewayError } from "../../src/client/errors.ts";

describe("closeVerdict", () => {
  it("retries after drops, restarts, going-away and internal errors", () => {
    for (const code of [1000, 1001, 1005, 1006, 1011, 1012, 1013])
      expect(closeVerdict(code, false), String(code)).toEqual({ retry: true });
  });

  it("stops for good on a revoked token, an operator disconnect, a suspended tenant and a policy violation", () => {
    expect(closeVerdict(4002, false)).toMatchObject({ retry: false, code: "token_revoked" });
    expect(closeVerdict(4003, false)).toMatchObject({ retry: false, code: "disconnected" });
    expect(closeVerdict(4004, false)).toMatchObject({ retry: false, code: "tenant_suspended" });
    expect(closeVerdict(1008, false)).toMatchObject({ retry: false, code: "policy_violation" });
  });

  it("asks for a new token after 4001, unless the last refresh failed", () => {
    expect(closeVerdict(4001, false)).toMatchObject({ retry: "new_token", code: "token_expired" });
    expect(closeVerdict(4001, true)).toMatchObject({ retry: false, code: "token_expired" });
  });

  it("treats every other 4xxx code as terminal, named by its reason when that is a known code", () => {
    expect(closeVerdict(4999, false)).toMatchObject({ retry: false, code: "server_closed" });
    expect(closeVerdict(4005, false, "forbidden")).toMatchObject({
      retry: false,
      code: "forbidden",
      gatewayCode: "forbidden",
    });
    expect(closeVerdict(4005, false, "what is this")).toMatchObject({ retry: false, code: "server_closed" });
  });

  it("reads 4400-4599 as a refused connect named by the close reason", () => {
    expect(closeVerdict(4401, false, "token_expired")).toMatchObject({ retry: "new_token", code: "token_expired" });
    expect(closeVerdict(4403, false, "forbidden_origin")).toMatchObject({ retry: false, code: "forbidden_origin" });
    expect(closeVerdict(4429, false, "rate_limited")).toMatchObject({ retry: true, reason: { code: "rate_limited" } });
    expect(closeVerdict(4503, false, "")).toMatchObject({ retry: true, reason: { code: "http_503" } });
  });
});

describe("refusalStatus", () => {
  it("is the HTTP status behind 4400-4599 and nothing else", () => {
    expect([4400, 4401, 4403, 4404, 4413, 4426, 4429, 4500, 4503, 4599].map(refusalStatus)).toEqual([
      400, 401, 403, 404, 413, 426, 429, 500, 503, 599,
    ]);
    expect([4001, 4002, 4003, 4004, 4399, 4600, 1006, 1008].map(refusalStatus)).toEqual(Array(8).fill(undefined));
  });
});

describe("refusalVerdict", () => {
  it("is terminal on the first refusal of a credential, origin, room, URL or request", () => {
    for (const [status, code] of [
      [401, "invalid_signature"],
      [401, "missing_token"],
      [401, "unknown_key"],
      [403, "forbidden"],
      [403, "forbidden_origin"],
      [400, "invalid_room"],
      [400, "invalid_query"],
      [404, "not_found"],
      [413, "payload_too_large"],
      [426, "upgrade_required"],
    ] as const)
      expect(refusalVerdict({ status, code, message: "no" }), `${status} ${code}`).toEqual({
        retry: false,
        code,
        message: "no",
        gatewayCode: code,
      });
  });

  it("lets a token provider try once more after token_expired and token_revoked", () => {
    expect(refusalVerdict({ status: 401, code: "token_expired" })).toMatchObject({
      retry: "new_token",
      code: "token_expired",
    });
    expect(refusalVerdict({ status: 401, code: "token_revoked" })).toMatchObject({
      retry: "new_token",
      code: "token_revoked",
    });
  });

  it("retries 429 honouring retryAfter, and 5xx with backoff", () => {
    expect(refusalVerdict({ status: 429, code: "rate_limited", retryAfterMs: 7_000 })).toMatchObject({
      retry: true,
      retryAfterMs: 7_000,
      reason: { code: "rate_limited" },
    });
    expect(refusalVerdict({ status: 429, code: "too_many_connections" })).toEqual({
      retry: true,
      reason: {
        code: "too_many_connections",
        message: "the gateway refused the connection (HTTP 429)",
        gatewayCode: "too_many_connections",
      },
    });
    expect(refusalVerdict({ status: 500, code: "internal" })).toMatchObject({ retry: true });
    expect(refusalVerdict({ status: 503 })).toMatchObject({ retry: true, reason: { code: "http_503" } });
  });

  it("names a refusal without a gateway code by its status (a proxy's answer)", () => {
    expect(refusalVerdict({ status: 401 })).toMatchObject({ retry: false, code: "unauthorized" });
    expect(refusalVerdict({ status: 403 })).toMatchObject({ retry: false, code: "forbidden" });
    expect(refusalVerdict({ status: 404, code: "" })).toMatchObject({ retry: false, code: "http_404" });
  });

  it("keeps a code from a newer gateway as sent, under unknown_error", () => {
    expect(refusalVerdict({ status: 403, code: "from_the_future" })).toMatchObject({
      retry: false,
      code: "unknown_error",
      gatewayCode: "from_the_future",
    });
  });
});

describe("error codes", () => {
  it("are the gateway's, the client's own and the close-code names; anything else is unknown_error", () => {
    expect(clientErrorCode("token_expired")).toBe("token_expired");
    expect(clientErrorCode("connect_failed")).toBe("connect_failed");
    expect(clientErrorCode("disconnected")).toBe("disconnected");
    expect(clientErrorCode("__proto__")).toBe("unknown_error");
    const err = gatewayError("brand_new", "a newer gateway");
    expect([err.code, err.gatewayCode, err.message]).toEqual(["unknown_error", "brand_new", "a newer gateway"]);
    expect(new ClientError("closed", "x").gatewayCode).toBeUndefined();
  });
});
