import { describe, expect, it } from "vitest";
import { errorFromResponse, errorResponse, GatewayError } from "../../src/errors.ts";

describe("errorFromResponse", () => {
  it("keeps every fact of a refusal across a hop: code, message, details and Retry-After", async () => {
    const sent = new GatewayError("rate_limited", "slow down", { index: 3, fields: ["a"] }, 7);
    const got = await errorFromResponse(errorResponse(sent));
    expect({ code: got.code, message: got.message, details: got.details, retryAfter: got.retryAfter }).toEqual({
      code: "rate_limited",
      message: "slow down",
      details: { index: 3, fields: ["a"] },
      retryAfter: 7,
    });
    expect(got.status).toBe(429);
  });

  it("leaves out what the answer did not carry", async () => {
    const got = await errorFromResponse(errorResponse(new GatewayError("too_many_connections", "full")));
    expect(got.details).toBeUndefined();
    expect(got.retryAfter).toBeUndefined();
  });

  it("reads a Retry-After that is not a number of seconds as none", async () => {
    const res = new Response('{"error":{"code":"rate_limited","message":"x"}}', {
      status: 429,
      headers: { "retry-after": "Wed, 21 Oct 2015 07:28:00 GMT" },
    });
    expect((await errorFromResponse(res)).retryAfter).toBeUndefined();
  });

  it("turns anything else into an internal error naming the status", async () => {
    for (const res of [
      new Response("oops", { status: 502 }),
      new Response('{"error":{"code":"made_up","message":"x"}}'),
    ])
      expect(await errorFromResponse(res)).toMatchObject({ code: "internal" });
  });
});
