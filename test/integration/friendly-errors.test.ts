// Refusals a new user meets in the first hour, each saying what is wrong and what to do instead.
import { beforeAll, describe, expect, it } from "vitest";
import { freshRoom, request, upgrade, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { apiKey, signToken, uniqueSub } from "../support/tokens.ts";

beforeAll(warmUp, WARM_UP_MS);

type ErrorBody = { error: { code: string; message: string } };

async function refusal(res: Response) {
  const body = (await res.json()) as ErrorBody;
  return { status: res.status, ...body.error };
}

const publishAs = (contentType: string | undefined, body: string) =>
  request(`/v1/rooms/${freshRoom()}/messages`, {
    method: "POST",
    headers: { "x-api-key": apiKey("pubacme"), ...(contentType === undefined ? {} : { "content-type": contentType }) },
    body,
  });

describe("a publish whose body is not declared as JSON", () => {
  it("is refused with 415 unsupported_media_type naming the header, not with missing fields", async () => {
    const body = JSON.stringify({ event: "e", payload: 1 });
    for (const contentType of [undefined, "text/plain", "application/x-www-form-urlencoded"]) {
      const got = await refusal(await publishAs(contentType, body));
      expect(got, String(contentType)).toMatchObject({ status: 415, code: "unsupported_media_type" });
      expect(got.message, String(contentType)).toContain("content-type");
      expect(got.message, String(contentType)).toContain("application/json");
    }
  });

  it("is accepted with a charset parameter", async () => {
    const res = await publishAs("application/json; charset=utf-8", JSON.stringify({ event: "e", payload: 1 }));
    expect(res.status).toBe(202);
  });
});

describe("an API key used to open a socket", () => {
  it("is told that sockets need a user JWT, in every carrier", async () => {
    const key = apiKey("pubacme");
    const carriers: Record<string, string>[] = [{ authorization: `Bearer ${key}` }, { "x-api-key": key }];
    for (const headers of carriers) {
      const got = await refusal(await upgrade(`/v1/rooms/${freshRoom()}/ws`, headers));
      expect(got).toMatchObject({ status: 401, code: "invalid_token" });
      expect(got.message).toContain("API keys cannot open sockets");
      expect(got.message).toContain("user JWT");
      expect(got.message).not.toContain(key);
    }
  });
});

describe("a socket from an origin that is not allowed", () => {
  it("is refused naming the origin and ALLOWED_ORIGINS", async () => {
    const token = await signToken({ sub: uniqueSub("origin") });
    const res = await upgrade(`/v1/rooms/${freshRoom()}/ws`, {
      authorization: `Bearer ${token}`,
      origin: "https://elsewhere.example",
    });
    const got = await refusal(res);
    expect(got).toMatchObject({ status: 403, code: "forbidden_origin" });
    expect(got.message).toContain("https://elsewhere.example");
    expect(got.message).toContain("ALLOWED_ORIGINS");
  });
});

describe("a CORS preflight from an origin that is not listed", () => {
  it("is answered 204 without any CORS header, so the browser refuses, rather than 404", async () => {
    const res = await request(`/v1/rooms/${freshRoom()}/messages`, {
      method: "OPTIONS",
      headers: { origin: "https://elsewhere.example", "access-control-request-method": "POST" },
    });
    expect(res.status).toBe(204);
    expect([...res.headers.keys()].filter((k) => k.startsWith("access-control-"))).toEqual([]);
  });
});

describe("a body over the limit", () => {
  it("is refused in plain words, with the limit in KiB", async () => {
    const body = JSON.stringify({ event: "e", payload: "x".repeat(5_000_000) });
    const got = await refusal(await publishAs("application/json", body));
    expect(got).toMatchObject({ status: 413, code: "payload_too_large" });
    expect(got.message).toBe("request body is larger than the 80 KiB this route accepts");
  });

  it("names the payload's own limit when only the payload is too large", async () => {
    const body = JSON.stringify({ event: "e", payload: "x".repeat(65_536) });
    const got = await refusal(await publishAs("application/json", body));
    expect(got.message).toBe("payload is larger than the 64 KiB a message may carry (serialized as JSON)");
  });
});

describe("GET /", () => {
  it("answers a small JSON index linking the console, the API document and health", async () => {
    const res = await request("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(await res.json()).toMatchObject({
      links: { console: "/console", openapi: "/v1/openapi.json", health: "/health" },
    });
  });

  it("answers a browser asking for HTML with a page of the same links", async () => {
    const res = await request("/", { headers: { accept: "text/html,application/xhtml+xml,*/*;q=0.8" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await res.text();
    for (const href of ["/console", "/v1/openapi.json", "/health"]) expect(html).toContain(`href="${href}"`);
  });
});
