import { describe, expect, it } from "vitest";
import { connect, freshRoom, publishHttp, request } from "../support/gateway.ts";
import { apiKey, signToken } from "../support/tokens.ts";

describe("gateway", () => {
  it("answers health", async () => {
    const res = await request("/health");
    expect(await res.json()).toEqual({ ok: true });
  });

  it("delivers an HTTP publish to a subscriber", async () => {
    const room = freshRoom();
    const { socket, welcome } = await connect(room, await signToken({ sub: "sub1" }));
    expect(welcome.seq).toBe(0);
    const res = await publishHttp(room, apiKey("pubacme"), { event: "hello", payload: { a: 1 } });
    expect(res.status).toBe(202);
    const msg = await socket.nextOfType("message");
    expect(msg).toMatchObject({
      seq: 1,
      event: "hello",
      payload: { a: 1 },
      sender: { kind: "api_key", id: "pubacme" },
    });
  });
});
