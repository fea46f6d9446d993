// CORS for the HTTP API and the Origin check of WebSocket upgrades. The test pool lists one origin,
// https://app.example (vitest.config.ts); the gateway's own origin here is https://gateway.test.
import { beforeAll, describe, expect, it } from "vitest";
import { connect, errorOf, freshRoom, request, TestSocket, upgrade, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { signToken, uniqueSub } from "../support/tokens.ts";

beforeAll(warmUp, WARM_UP_MS);

const LISTED = "https://app.example";
const OTHER = "https://evil.example";

const preflight = (origin: string, path = `/v1/rooms/${freshRoom()}/messages`) =>
  request(path, {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": "POST",
      "access-control-request-headers": "authorization, content-type, idempotency-key",
    },
  });

const publishFrom = async (origin: string, token: string) =>
  request(`/v1/rooms/${freshRoom()}/messages`, {
    method: "POST",
    headers: { origin, authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ event: "e", payload: 1 }),
  });

const corsHeaders = (res: Response) =>
  [...res.headers.keys()].filter((k) => k.startsWith("access-control-")).sort((a, b) => a.localeCompare(b));

describe("CORS preflight", () => {
  it("answers a listed origin with 204 and the methods and headers a browser app needs", async () => {
    const res = await preflight(LISTED);
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe(LISTED);
    expect(res.headers.get("access-control-allow-methods")?.split(",")).toEqual(["GET", "HEAD", "POST"]);
    expect(res.headers.get("access-control-allow-headers")?.split(",")).toEqual([
      "Authorization",
      "Content-Type",
      "Idempotency-Key",
    ]);
    expect(res.headers.get("access-control-max-age")).toBe("600");
    expect(res.headers.get("vary")).toContain("Origin");
  });

  it("gives any other origin no Access-Control header at all (a 204 that allows nothing, not a 404)", async () => {
    const res = await preflight(OTHER);
    expect(corsHeaders(res)).toEqual([]);
    expect(res.status).toBe(204);
  });

  it("does not treat the gateway's own origin as a CORS origin (same-origin needs none)", async () => {
    expect(corsHeaders(await preflight("https://gateway.test"))).toEqual([]);
  });
});

describe("CORS on responses", () => {
  it("lets a listed origin read a publish answer and its Retry-After", async () => {
    const res = await publishFrom(LISTED, await signToken({ sub: uniqueSub("cors"), scope: "publish" }));
    expect(res.status).toBe(202);
    expect(res.headers.get("access-control-allow-origin")).toBe(LISTED);
    expect(res.headers.get("access-control-expose-headers")).toBe("Retry-After");
    expect(res.headers.get("vary")).toContain("Origin");
  });

  it("lets a listed origin read an error, which onError builds after the middleware ran", async () => {
    const res = await publishFrom(LISTED, "not-a-token");
    expect(await errorOf(res)).toMatchObject({ status: 401, code: "invalid_token" });
    expect(res.headers.get("access-control-allow-origin")).toBe(LISTED);
  });

  it("sends nothing to an origin that is not listed, and still answers the request", async () => {
    const res = await publishFrom(OTHER, await signToken({ sub: uniqueSub("cors"), scope: "publish" }));
    expect(res.status).toBe(202);
    expect(corsHeaders(res)).toEqual([]);
  });

  it("leaves requests without an Origin alone", async () => {
    const res = await request("/health");
    expect(corsHeaders(res)).toEqual([]);
  });
});

describe("Origin check of WebSocket upgrades", () => {
  const open = async (origin: string) =>
    upgrade(`/v1/rooms/${freshRoom()}/ws`, {
      authorization: `Bearer ${await signToken({ sub: uniqueSub("origin") })}`,
      origin,
    });

  it("accepts the gateway's own origin without an ALLOWED_ORIGINS entry (the console page)", async () => {
    const res = await open("https://gateway.test");
    expect(res.status).toBe(101);
    const socket = new TestSocket(res.webSocket as WebSocket);
    expect((await socket.nextOfType("welcome")).type).toBe("welcome");
    socket.close();
  });

  it("accepts a listed origin, and its 101 carries no CORS header (a 101's headers are immutable)", async () => {
    const res = await open(LISTED);
    expect(res.status).toBe(101);
    expect(corsHeaders(res)).toEqual([]);
    new TestSocket(res.webSocket as WebSocket).close();
  });

  it("refuses the gateway's host under another scheme or port", async () => {
    for (const origin of ["http://gateway.test", "https://gateway.test:8443", "https://sub.gateway.test"])
      expect(await errorOf(await open(origin)), origin).toMatchObject({ status: 403, code: "forbidden_origin" });
  });

  it("refuses an unlisted origin", async () => {
    expect(await errorOf(await open(OTHER))).toMatchObject({ status: 403, code: "forbidden_origin" });
  });

  it("still connects servers, which send no Origin", async () => {
    const { welcome, socket } = await connect(freshRoom(), await signToken({ sub: uniqueSub("server") }));
    expect(welcome.type).toBe("welcome");
    socket.close();
  });
});
