// /v1/admin/webhooks: a tenant's admin key manages its endpoints; every refusal answers its
// documented code and leaves the endpoints exactly as they were.

import { createExecutionContext, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { app } from "../../src/app.ts";
import { hubStub } from "../../src/webhooks/hub.ts";
import { errorOf, request, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { apiKey } from "../support/tokens.ts";

beforeAll(warmUp, WARM_UP_MS);

type Endpoint = Record<string, unknown> & { id: string; secret?: string };

function call(method: string, path: string, key: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${apiKey(key)}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  return request(`/v1/admin/webhooks${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
}

const valid = { url: "https://hooks.example.com/in", events: ["presence.joined", "presence.left"] };

async function create(key: string, body: unknown = valid): Promise<Endpoint> {
  const res = await call("POST", "", key, body);
  expect(res.status).toBe(201);
  return res.json();
}

/** The tenant's endpoints as stored, read past the API (and its rate limit). */
const stored = (tenant: string) => hubStub(env, tenant).list();

async function listOf(key: string): Promise<Endpoint[]> {
  const res = await call("GET", "", key);
  expect(res.status).toBe(200);
  return ((await res.json()) as { endpoints: Endpoint[] }).endpoints;
}

describe("webhook endpoints", () => {
  it("are created with a secret shown once, then listed, read, changed and deleted", async () => {
    const created = await create("hooksa", { ...valid, rooms: ["chat-*", "lobby"] });
    expect(created).toMatchObject({ ...valid, rooms: ["chat-*", "lobby"], status: "enabled" });
    expect(created.id).toMatch(/^we_[a-z0-9]{20}$/);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);

    const listed = await listOf("hooksa");
    expect(listed.map((e) => e.id)).toContain(created.id);
    const read = await call("GET", `/${created.id}`, "hooksa");
    const { secret: _, ...withoutSecret } = created;
    expect(await read.json()).toEqual(withoutSecret);
    expect(JSON.stringify(listed)).not.toContain('secret"');

    const patched = await call("PATCH", `/${created.id}`, "hooksa", { events: ["room.occupied"], rooms: null });
    expect(patched.status).toBe(200);
    const after = (await patched.json()) as Endpoint;
    expect(after).toMatchObject({ events: ["room.occupied"], url: valid.url });
    expect(after.rooms).toBeUndefined();

    expect((await call("DELETE", `/${created.id}`, "hooksa")).status).toBe(204);
    expect(await errorOf(await call("GET", `/${created.id}`, "hooksa"))).toMatchObject({
      status: 404,
      code: "not_found",
    });
  });

  it("never store a secret in readable form", async () => {
    const created = await create("hooksc");
    const secretText = created.secret?.slice("whsec_".length) ?? "";
    const rows = await runInDurableObject(hubStub(env, "hooksc"), (_, state) =>
      state.storage.sql.exec("SELECT * FROM endpoints").toArray(),
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toContain(secretText);
    expect(String(rows[0]?.secret)).toMatch(/^v1\.[0-9a-f]{8}\./);
  });

  it("rotate a secret: a new one is shown once and the previous one signs for 24 hours", async () => {
    const created = await create("hooksa");
    const before = Date.now();
    const res = await call("POST", `/${created.id}/rotate-secret`, "hooksa");
    expect(res.status).toBe(200);
    const rotated = (await res.json()) as Endpoint & { previousSecretExpiresAt: number };
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(created.secret);
    expect(rotated.previousSecretExpiresAt).toBeGreaterThanOrEqual(before + 24 * 3_600_000);
    expect(rotated.previousSecretExpiresAt).toBeLessThanOrEqual(Date.now() + 24 * 3_600_000);
    await call("DELETE", `/${created.id}`, "hooksa");
  });

  it("are switched off and back on with PATCH status", async () => {
    const created = await create("hooksa");
    const off = (await (await call("PATCH", `/${created.id}`, "hooksa", { status: "disabled" })).json()) as Endpoint;
    expect(off).toMatchObject({ status: "disabled", disabledReason: "disabled by PATCH" });
    const on = (await (await call("PATCH", `/${created.id}`, "hooksa", { status: "enabled" })).json()) as Endpoint;
    expect(on.status).toBe("enabled");
    expect(on.disabledReason).toBeUndefined();
    await call("DELETE", `/${created.id}`, "hooksa");
  });

  it("are at most 10 per tenant: the 11th is refused and nothing is added", async () => {
    const existing = await stored("hooksb");
    for (let i = existing.length; i < 10; i++) await create("hooksb");
    const refused = await call("POST", "", "hooksb", valid);
    expect(await errorOf(refused)).toMatchObject({ status: 409, code: "too_many_endpoints" });
    expect(await stored("hooksb")).toHaveLength(10);
  });

  it("belong to one tenant: another tenant neither lists nor reaches them", async () => {
    const mine = await create("hooksc");
    expect((await listOf("hooksa")).map((e) => e.id)).not.toContain(mine.id);
    for (const [method, path] of [
      ["GET", `/${mine.id}`],
      ["PATCH", `/${mine.id}`],
      ["DELETE", `/${mine.id}`],
      ["POST", `/${mine.id}/rotate-secret`],
      ["GET", `/${mine.id}/failures`],
    ] as const) {
      const res = await call(method, path, "hooksa", method === "PATCH" ? { status: "disabled" } : undefined);
      expect(await errorOf(res), `${method} ${path}`).toMatchObject({ status: 404, code: "not_found" });
    }
    expect((await (await call("GET", `/${mine.id}`, "hooksc")).json()) as Endpoint).toMatchObject({
      status: "enabled",
    });
  });
});

describe("webhook routes under other settings", () => {
  /** The app itself, with `vars` over the test env. */
  const callWith = (vars: Record<string, string | undefined>, body: unknown) =>
    app.fetch(
      new Request("https://gateway.test/v1/admin/webhooks", {
        method: "POST",
        headers: { authorization: `Bearer ${apiKey("hooksc")}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      }),
      { ...env, ...vars },
      createExecutionContext(),
    );

  it("accept http to a loopback receiver when DEV_ALLOW_LOOPBACK_HTTP is on", async () => {
    const local = { ...valid, url: "http://127.0.0.1:9000/in" };
    const res = await callWith({ DEV_ALLOW_LOOPBACK_HTTP: "true" }, local);
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ url: local.url });
    expect(await errorOf(await callWith({}, local))).toMatchObject({ status: 400, code: "invalid_url" });
  });

  it("refuse to make a secret without WEBHOOK_SECRET_KEY, storing nothing", async () => {
    const before = await stored("hooksc");
    const res = await callWith({ WEBHOOK_SECRET_KEY: undefined }, valid);
    expect(await errorOf(res)).toMatchObject({ status: 503, code: "webhooks_unavailable" });
    expect(await stored("hooksc")).toEqual(before);
  });
});

describe("bad webhook requests change nothing", () => {
  const forbiddenUrls = [
    "http://hooks.example.com/in",
    "ftp://hooks.example.com/in",
    "https://user:pass@hooks.example.com/in",
    "https://token@hooks.example.com/in",
    "https://10.0.0.7/in",
    "https://172.16.3.4/in",
    "https://192.168.1.1/in",
    "https://169.254.169.254/latest/meta-data/",
    "https://metadata.google.internal/computeMetadata/v1/",
    "https://127.0.0.1/in",
    "http://127.0.0.1:8080/in",
    "https://2130706433/in",
    "https://0x7f.1/in",
    "https://localhost/in",
    "https://[::1]/in",
    "https://[::ffff:169.254.169.254]/in",
    "https://[fd00:ec2::254]/in",
    "https://[fe80::1]/in",
    "https://intranet/in",
    "https://printer.local/in",
    "not a url",
    "/relative/path",
    `https://hooks.example.com/${"a".repeat(2100)}`,
  ];

  it.each(forbiddenUrls)("refuses url %s with invalid_url", async (url) => {
    const before = await stored("hooksa");
    const res = await call("POST", "", "hooksa", { ...valid, url });
    const expected = url.length > 2048 ? "invalid_body" : "invalid_url";
    expect(await errorOf(res)).toMatchObject({ status: 400, code: expected });
    expect(await stored("hooksa")).toEqual(before);
  });

  it.each([
    ["an unknown event type", { ...valid, events: ["presence.joined", "room.exploded"] }],
    ["no event types", { ...valid, events: [] }],
    ["a missing url", { events: valid.events }],
    ["an unknown field", { ...valid, secret: "whsec_mine" }],
    ["a bad room pattern", { ...valid, rooms: ["bad room"] }],
  ])("refuses %s with invalid_body", async (_, body) => {
    const before = await stored("hooksa");
    expect(await errorOf(await call("POST", "", "hooksa", body))).toMatchObject({ status: 400, code: "invalid_body" });
    expect(await stored("hooksa")).toEqual(before);
  });

  it("refuses a body that is not JSON", async () => {
    expect(await errorOf(await call("POST", "", "hooksa", "{"))).toMatchObject({ status: 400, code: "invalid_json" });
  });

  it("refuses a bad PATCH and leaves the endpoint as it was", async () => {
    const created = await create("hooksa");
    const { secret: _, ...unchanged } = created;
    for (const [body, code] of [
      [{ url: "https://10.1.2.3/x" }, "invalid_url"],
      [{ events: ["room.unknown"] }, "invalid_body"],
      [{}, "invalid_body"],
      [{ status: "paused" }, "invalid_body"],
    ] as const) {
      expect(await errorOf(await call("PATCH", `/${created.id}`, "hooksa", body))).toMatchObject({ status: 400, code });
      expect(await hubStub(env, "hooksa").get(created.id)).toEqual(unchanged);
    }
    await call("DELETE", `/${created.id}`, "hooksa");
  });

  it.each([
    ["GET", "/we_aaaaaaaaaaaaaaaaaaaa"],
    ["PATCH", "/we_aaaaaaaaaaaaaaaaaaaa"],
    ["DELETE", "/we_aaaaaaaaaaaaaaaaaaaa"],
    ["POST", "/we_aaaaaaaaaaaaaaaaaaaa/rotate-secret"],
    ["GET", "/we_aaaaaaaaaaaaaaaaaaaa/failures"],
    ["POST", "/we_aaaaaaaaaaaaaaaaaaaa/failures/dl_aaaaaaaaaaaaaaaaaaaa/redeliver"],
    ["GET", "/not-an-id"],
    ["DELETE", "/../revocations"],
  ])("answers %s %s (unknown) with not_found", async (method, path) => {
    const before = await stored("hooksa");
    const res = await call(method, path, "hooksa", method === "PATCH" ? { status: "disabled" } : undefined);
    expect(await errorOf(res)).toMatchObject({ status: 404, code: "not_found" });
    expect(await stored("hooksa")).toEqual(before);
  });

  it("answers an unknown delivery of a known endpoint with not_found", async () => {
    const created = await create("hooksa");
    for (const delivery of ["dl_aaaaaaaaaaaaaaaaaaaa", "junk"]) {
      const res = await call("POST", `/${created.id}/failures/${delivery}/redeliver`, "hooksa");
      expect(await errorOf(res)).toMatchObject({ status: 404, code: "not_found" });
    }
    await call("DELETE", `/${created.id}`, "hooksa");
  });

  it("needs an admin API key", async () => {
    expect(await errorOf(await call("GET", "", "hookspub"))).toMatchObject({ status: 403, code: "forbidden" });
    expect(await errorOf(await call("POST", "", "hookspub", valid))).toMatchObject({ status: 403, code: "forbidden" });
    const anonymous = await request("/v1/admin/webhooks");
    expect(await errorOf(anonymous)).toMatchObject({ status: 401, code: "missing_token" });
  });
});
