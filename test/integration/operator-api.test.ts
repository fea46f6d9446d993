// The operator API's tenants and audit routes, and who may call them: every route and every refusal,
// and a refusal changes nothing (the tenant reads the same, the audit log has no new entry).

import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { tenantControl } from "../../src/control/stubs.ts";
import { errorOf, freshRoom, publishHttp, request, upgrade, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { apiKey, signToken } from "../support/tokens.ts";
import { freshTenant, jsonOf, operator, operatorAs, operatorKey } from "./operator-helpers.ts";

beforeAll(warmUp, WARM_UP_MS);

// Two operator keys, so this file's calls fit OPERATOR_LIMITER's window (100 per 10 s per key).
const call = operatorAs("opcontrol");
const bulk = operatorAs("optenants");

type Tenant = { id: string; status: string; limits: Record<string, number>; effectiveLimits: Record<string, unknown> };
type AuditPage = { entries: { id: string; action: string; tenant: string; operator: string }[]; next?: string };

/** The newest audit entry's id: any new entry changes it. */
const latestAudit = async () => (await jsonOf<AuditPage>(await call("GET", "/audit?limit=1"), 200)).entries[0]?.id;

/** Runs `attempt`, which must be refused with `code`, and checks that it changed nothing. */
async function refusedWithoutChange(tenant: string | undefined, attempt: () => Promise<Response>, code: string) {
  const before = tenant === undefined ? undefined : await (await call("GET", `/tenants/${tenant}`)).text();
  const entries = await latestAudit();
  const res = await attempt();
  const error = await errorOf(res);
  expect(error.code).toBe(code);
  if (tenant !== undefined) expect(await (await call("GET", `/tenants/${tenant}`)).text()).toBe(before);
  expect(await latestAudit()).toBe(entries);
  return error;
}

describe("who may call /v1/operator", () => {
  it("refuses a call without a credential with 401 missing_token", async () => {
    expect(await errorOf(await operator("GET", "/tenants"))).toMatchObject({ status: 401, code: "missing_token" });
  });

  it("refuses tenant credentials (an admin API key, a user token) with 403 forbidden", async () => {
    const viaHeader = await operator("GET", "/tenants", undefined, { "x-api-key": apiKey("adminacme") });
    expect(await errorOf(viaHeader)).toMatchObject({ status: 403, code: "forbidden" });
    const token = await signToken({ scope: "subscribe publish presence" });
    const viaBearer = await operator("GET", "/tenants", undefined, { authorization: `Bearer ${token}` });
    expect(await errorOf(viaBearer)).toMatchObject({ status: 403, code: "forbidden" });
  });

  it("refuses an unknown, a forged and a revoked operator key with 401", async () => {
    // The real key's id with another secret. The id ends at its first `_`; a secret may hold `_` too
    // (base64url), so cutting at the last one could leave the key as it was.
    const forged = operatorKey("opcontrol").replace(/^(bgo_[A-Za-z0-9]+_).*$/, "$1AAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    expect(forged).not.toBe(operatorKey("opcontrol"));
    for (const key of ["bgo_nosuchkey_AAAAAAAAAAAAAAAAAAAAAAAA", forged, "bgo_short"])
      expect(
        await errorOf(await operator("GET", "/tenants", undefined, { authorization: `Bearer ${key}` })),
        key,
      ).toMatchObject({ status: 401, code: "invalid_api_key" });
    const retired = await operator("GET", "/tenants", undefined, { "x-api-key": operatorKey("opretired") });
    expect(await errorOf(retired)).toMatchObject({ status: 401, code: "revoked_api_key" });
  });

  it("accepts an operator key in X-API-Key as in Authorization", async () => {
    const res = await operator("GET", "/tenants", undefined, { "x-api-key": operatorKey("opcontrol") });
    expect(res.status).toBe(200);
  });

  it("never lets an operator key publish or subscribe", async () => {
    const key = operatorKey("opcontrol");
    expect(await errorOf(await publishHttp(freshRoom(), key, { event: "e", payload: 1 }))).toMatchObject({
      status: 403,
      code: "forbidden",
    });
    expect(await errorOf(await publishHttp(freshRoom(), key, { event: "e", payload: 1 }, "x-api-key"))).toMatchObject({
      status: 403,
      code: "forbidden",
    });
    const res = await upgrade(`/v1/rooms/${freshRoom()}/ws`, { authorization: `Bearer ${key}` });
    expect(await errorOf(res)).toMatchObject({ status: 403, code: "forbidden" });
  });

  it("limits each operator key, before any object is called, with 429 and Retry-After", {
    timeout: 60_000,
  }, async () => {
    const flood = operatorAs("opflood");
    let last: Response | undefined;
    for (let i = 0; i < 2 * 100 + 1 && last?.status !== 429; i++) {
      // A malformed path is refused before the credential; a malformed body only after the limiter.
      last = await flood("POST", "/tenants", { id: "Malformed!" });
      if (last.status !== 429) expect(last.status).toBe(400);
      await last.body?.cancel();
    }
    expect(last?.status).toBe(429);
    expect(Number(last?.headers.get("retry-after"))).toBeGreaterThan(0);
    // Another operator key has its own window.
    expect((await call("GET", "/tenants")).status).toBe(200);
  });
});

describe("tenants", () => {
  it("creates a tenant with its limits and origins, answers 201 with its effective limits", async () => {
    const id = freshTenant();
    const res = await call("POST", "/tenants", {
      id,
      limits: { publishPerSecond: 50, maxPayloadBytes: 1024 },
      allowedOrigins: ["https://app.example.org"],
    });
    const tenant = await jsonOf<Tenant>(res, 201);
    expect(tenant).toMatchObject({
      id,
      status: "active",
      limits: { publishPerSecond: 50, maxPayloadBytes: 1024 },
      effectiveLimits: {
        maxConnections: null,
        maxRoomConnections: 10_000,
        publishPerSecond: 50,
        maxPayloadBytes: 1024,
        historyMaxAgeSeconds: 600,
      },
      allowedOrigins: ["https://app.example.org"],
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(await jsonOf(await call("GET", `/tenants/${id}`), 200)).toEqual(tenant);
  });

  it("refuses a duplicate with 409 conflict and changes nothing", async () => {
    const id = freshTenant();
    await jsonOf(await call("POST", "/tenants", { id, limits: { maxConnections: 5 } }), 201);
    await refusedWithoutChange(id, () => call("POST", "/tenants", { id }), "conflict");
  });

  it("refuses malformed ids, unknown members and limits out of range with 400 naming the field", async () => {
    const entries = await latestAudit();
    for (const id of ["", "UPPER", "has space", "x".repeat(65), "dot.ted"])
      expect(await errorOf(await bulk("POST", "/tenants", { id })), id).toMatchObject({
        status: 400,
        code: "invalid_body",
      });
    expect(await latestAudit()).toBe(entries);
    const res = await call("POST", "/tenants", { id: freshTenant(), limits: { publishPerSecond: 100_001 } });
    const body = await jsonOf<{ error: { code: string; details: { fieldErrors: Record<string, string[]> } } }>(
      res,
      400,
    );
    expect(Object.keys(body.error.details.fieldErrors)).toEqual(["limits.publishPerSecond"]);
    for (const limits of [
      { maxPayloadBytes: 0 },
      { historyMaxAgeSeconds: -1 },
      { maxConnections: 1.5 },
      { unknown: 1 },
    ])
      await refusedWithoutChange(
        undefined,
        () => call("POST", "/tenants", { id: freshTenant(), limits }),
        "invalid_body",
      );
    const origins = { id: freshTenant(), allowedOrigins: ["https://app.example.org/path"] };
    await refusedWithoutChange(undefined, () => call("POST", "/tenants", origins), "invalid_body");
    await refusedWithoutChange(undefined, () => call("POST", "/tenants", "{not json"), "invalid_json");
  });

  it("answers 404 for an unknown tenant and 400 invalid_id for a malformed one on every tenant route", async () => {
    const unknown = freshTenant();
    const entries = await latestAudit();
    for (const [method, path, body] of [
      ["GET", "", undefined],
      ["PATCH", "", { status: "suspended" }],
      ["DELETE", "", undefined],
      ["POST", "/api-keys", { scopes: ["publish"] }],
      ["GET", "/api-keys", undefined],
      ["DELETE", "/api-keys/k123", undefined],
      ["POST", "/signing-keys", { jwksUrl: "https://idp.example.com/jwks.json" }],
      ["GET", "/signing-keys", undefined],
      ["DELETE", "/signing-keys/kid1", undefined],
    ] as const) {
      const what = `${method} ${path}`;
      expect(await errorOf(await bulk(method, `/tenants/${unknown}${path}`, body)), what).toMatchObject({
        status: 404,
        code: "not_found",
      });
      expect(await errorOf(await bulk(method, `/tenants/Bad.Tenant${path}`, body)), what).toMatchObject({
        status: 400,
        code: "invalid_id",
      });
    }
    expect(await errorOf(await bulk("GET", `/tenants/${unknown}`))).toMatchObject({ status: 404 });
    expect(await latestAudit()).toBe(entries);
  });

  it("changes limits (null returns one to the default) and origins, each audited", async () => {
    const id = freshTenant();
    await jsonOf(await call("POST", "/tenants", { id, limits: { maxRoomConnections: 7, publishPerSecond: 9 } }), 201);
    const changed = await jsonOf<Tenant>(
      await call("PATCH", `/tenants/${id}`, { limits: { maxRoomConnections: null, maxPayloadBytes: 2048 } }),
      200,
    );
    expect(changed.limits).toEqual({ publishPerSecond: 9, maxPayloadBytes: 2048 });
    expect(changed.effectiveLimits).toMatchObject({ maxRoomConnections: 10_000, maxPayloadBytes: 2048 });
    const origins = ["https://a.example.org", "https://b.example.org"];
    const listed = await jsonOf<Tenant>(await call("PATCH", `/tenants/${id}`, { allowedOrigins: origins }), 200);
    expect(listed).toMatchObject({ allowedOrigins: origins, limits: changed.limits });
    const cleared = await jsonOf<Tenant>(await call("PATCH", `/tenants/${id}`, { allowedOrigins: null }), 200);
    expect(cleared).toMatchObject({ allowedOrigins: null });
    const audit = await jsonOf<AuditPage>(await call("GET", `/audit?tenant=${id}`), 200);
    expect(audit.entries.map((e) => e.action)).toEqual([
      "tenant.update",
      "tenant.update",
      "tenant.update",
      "tenant.create",
    ]);
    await refusedWithoutChange(id, () => call("PATCH", `/tenants/${id}`, {}), "invalid_body");
    await refusedWithoutChange(id, () => call("PATCH", `/tenants/${id}`, { status: "deleted" }), "invalid_body");
    await refusedWithoutChange(
      id,
      () => call("PATCH", `/tenants/${id}`, { limits: { maxConnections: 0 } }),
      "invalid_body",
    );
  });

  it("suspends and resumes a tenant", async () => {
    const id = freshTenant();
    await jsonOf(await call("POST", "/tenants", { id }), 201);
    expect((await jsonOf<Tenant>(await call("PATCH", `/tenants/${id}`, { status: "suspended" }), 200)).status).toBe(
      "suspended",
    );
    const listed = await jsonOf<{ tenants: { id: string; status: string }[] }>(
      await call("GET", "/tenants?limit=100"),
      200,
    );
    expect(listed.tenants.find((t) => t.id === id)?.status).toBe("suspended");
    expect((await jsonOf<Tenant>(await call("PATCH", `/tenants/${id}`, { status: "active" }), 200)).status).toBe(
      "active",
    );
    const audit = await jsonOf<AuditPage>(await call("GET", `/audit?tenant=${id}`), 200);
    expect(audit.entries.map((e) => e.action)).toEqual(["tenant.resume", "tenant.suspend", "tenant.create"]);
  });

  it("deletes a tenant: gone from reads and the list, 404 a second time, and its id can be created again", async () => {
    const id = freshTenant();
    await jsonOf(await call("POST", "/tenants", { id }), 201);
    expect((await jsonOf<Tenant>(await call("DELETE", `/tenants/${id}`), 200)).status).toBe("deleted");
    expect(await errorOf(await call("GET", `/tenants/${id}`))).toMatchObject({ status: 404, code: "not_found" });
    expect(await errorOf(await call("DELETE", `/tenants/${id}`))).toMatchObject({ status: 404, code: "not_found" });
    const listed = await jsonOf<{ tenants: { id: string }[] }>(await call("GET", "/tenants?limit=100"), 200);
    expect(listed.tenants.map((t) => t.id)).not.toContain(id);
    expect((await jsonOf<Tenant>(await call("POST", "/tenants", { id }), 201)).status).toBe("active");
  });

  it("lists tenants by id a page at a time, and refuses a bad cursor or limit", async () => {
    const prefix = `page-${crypto.randomUUID().slice(0, 6)}`;
    const ids = [`${prefix}-a`, `${prefix}-b`, `${prefix}-c`];
    for (const id of ids) await jsonOf(await bulk("POST", "/tenants", { id }), 201);
    const seen: string[] = [];
    let cursor = `${prefix}-`;
    for (let i = 0; i < 3; i++) {
      const page = await jsonOf<{ tenants: { id: string }[]; next?: string }>(
        await bulk("GET", `/tenants?limit=1&cursor=${cursor}`),
        200,
      );
      seen.push(...page.tenants.map((t) => t.id));
      expect(page.next).toBe(page.tenants[0]?.id);
      cursor = page.next ?? "";
    }
    expect(seen).toEqual(ids);
    for (const q of ["limit=0", "limit=101", "limit=x", "cursor=Not!Valid"])
      expect(await errorOf(await bulk("GET", `/tenants?${q}`)), q).toMatchObject({
        status: 400,
        code: "invalid_query",
      });
  });
});

describe("the audit log", () => {
  it("lists every action newest first with who did it, filters by tenant and pages", async () => {
    const id = freshTenant();
    await jsonOf(await call("POST", "/tenants", { id }), 201);
    await jsonOf(await call("PATCH", `/tenants/${id}`, { status: "suspended" }), 200);
    await jsonOf(await call("DELETE", `/tenants/${id}`), 200);
    const first = await jsonOf<AuditPage>(await call("GET", `/audit?tenant=${id}&limit=2`), 200);
    expect(first.entries.map((e) => e.action)).toEqual(["tenant.delete", "tenant.suspend"]);
    expect(first.entries.every((e) => e.operator === "opcontrol" && e.tenant === id)).toBe(true);
    const rest = await jsonOf<AuditPage>(await call("GET", `/audit?tenant=${id}&cursor=${first.next}`), 200);
    expect(rest.entries.map((e) => e.action)).toEqual(["tenant.create"]);
    expect(rest.next).toBeUndefined();
    for (const q of ["tenant=Bad!", "cursor=abc", "limit=1000"])
      expect(await errorOf(await call("GET", `/audit?${q}`)), q).toMatchObject({ status: 400, code: "invalid_query" });
  });
});

describe("routes outside the table", () => {
  it("answers 404 not_found for an unknown operator path, with a credential or without", async () => {
    expect(await errorOf(await call("GET", "/nothing-here"))).toMatchObject({ status: 404, code: "not_found" });
    expect(await errorOf(await request("/v1/operator/nothing-here"))).toMatchObject({ status: 404, code: "not_found" });
  });
});

describe("the tenant's connection grants (what rooms ask before admitting sockets)", () => {
  it("grants places up to maxConnections across objects, concurrently, and takes them back", async () => {
    const id = freshTenant();
    await jsonOf(await call("POST", "/tenants", { id, limits: { maxConnections: 10 } }), 201);
    const tenant = tenantControl(env, id);
    // A connect storm: 40 objects holding nothing ask for one place each at once; exactly 10 get one.
    const storm = await Promise.all(
      Array.from({ length: 40 }, (_, i) => tenant.controlReserveConnections(`obj-${i}`, 0, 1)),
    );
    expect(storm.reduce((a, b) => a + b, 0)).toBe(10);
    await tenant.controlSettleConnections(`obj-${storm.indexOf(1)}`, 0);
    expect(await tenant.controlReserveConnections("late", 0, 8)).toBe(1);
    expect(await tenant.controlReserveConnections("later", 0, 8)).toBe(0);
    // An object that forgot its grant (its memory went with hibernation) states what it holds: counted once.
    expect(await tenant.controlReserveConnections("late", 1, 8)).toBe(1);
    const unlimited = tenantControl(env, freshTenant());
    expect(await unlimited.controlReserveConnections("any", 0, 8)).toBe(8);
  });

  it("keeps the rooms that store a tenant's data, for a deleted tenant's purge", async () => {
    const id = freshTenant();
    const tenant = tenantControl(env, id);
    await tenant.controlNoteStoredRoom(`${id}:lobby`);
    await tenant.controlNoteStoredRoom(`${id}:lobby`);
    await tenant.controlNoteStoredRoom(`${id}:chat`);
    await tenant.controlForgetStoredRoom(`${id}:chat`);
    expect(await tenant.controlStoredRooms(10)).toEqual([`${id}:lobby`]);
  });
});
