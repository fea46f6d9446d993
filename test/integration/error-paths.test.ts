// Failures that are the gateway's own, or another object's, still reach the client as a typed error
// and the log with its code.
import { evictDurableObject } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { Tenant } from "../../src/tenant/tenant.ts";
import { connect, freshRoom, roomStubOf, upgrade, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { signToken, uniqueSub } from "../support/tokens.ts";

beforeAll(warmUp, WARM_UP_MS);
afterEach(() => vi.restoreAllMocks());

describe("a room's refusal of an upgrade", () => {
  it("is logged by the Worker with its code", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => lines.push(String(line)));
    const room = freshRoom();
    const token = await signToken({ sub: uniqueSub("capped") });
    for (let i = 0; i < 10; i++) await connect(room, token);
    const res = await upgrade(`/v1/rooms/${room}/ws`, { authorization: `Bearer ${token}` });
    expect(res.status).toBe(429);
    const rejected = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.event === "rejected");
    expect(rejected).toMatchObject({ action: "connect", status: 429, code: "too_many_connections" });
  });
});

describe("a refresh while the tenant object fails", () => {
  it("answers an internal error frame and keeps the socket open", async () => {
    const room = freshRoom();
    const sub = uniqueSub("refresher");
    const { socket } = await connect(room, await signToken({ sub }));
    // After eviction the room has forgotten its cached revocations and must ask the tenant.
    await evictDurableObject(roomStubOf(room), { webSockets: "hibernate" });
    vi.spyOn(Tenant.prototype, "register").mockImplementation(async () => {
      throw new Error("Durable Object is overloaded");
    });
    vi.spyOn(console, "log").mockImplementation(() => {});
    socket.send({ type: "refresh", token: await signToken({ sub, expiresIn: 7_200 }) });
    expect(await socket.nextOfType("error")).toMatchObject({ code: "internal" });
    vi.restoreAllMocks();
    socket.send({ type: "refresh", token: await signToken({ sub, expiresIn: 7_200 }) });
    expect(await socket.nextOfType("refreshed")).toMatchObject({ type: "refreshed" });
  });
});
