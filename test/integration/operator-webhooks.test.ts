// /v1/operator/tenants/{tenant}/webhooks: an operator manages any tenant's endpoints with the verbs
// of the tenant's own /v1/admin/webhooks, for tenants the control plane knows; each change is in
// the operator audit (never a secret, never a URL's query), and every refusal changes nothing.

import { env } from "cloudflare:workers";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { hubStub } from "../../src/webhooks/hub.ts";
import { errorOf, request, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { apiKey, signToken } from "../support/tokens.ts";
import { freshTenant, jsonOf, operator, operatorAs, tenantWithKey } from "./operator-helpers.ts";
import { eventually, queuedEvent, Receiver } from "./webhook-helpers.ts";

beforeAll(warmUp, WARM_UP_MS);

// Two operator keys, so this file's calls fit OPERATOR_LIMITER's window (100 per 10 s per key).
const call = operatorAs("ophooks");
const bulk = operatorAs("ophooksbulk");
const receiver = new Receiver();
beforeEach(() => receiver.install());
afterEach(() => receiver.restore());

type Endpoint = Record<string, unknown> & { id: string; secret?: string; url: string; status: string };
type AuditEntry = { action: string; tenant: string; target: string | null; operator: string; details: unknown };

const valid = { url: "https://a.hooks.test/in?token=receiver-secret", events: ["presence.joined"] };

/** The tenant's webhooks path under the operator API. */
const hooks = (tenant: string, rest = "") => `/tenants/${tenant}/webhooks${rest}`;

const auditOf = async (tenant: string) =>
  (await jsonOf<{ entries: AuditEntry[] }>(await call("GET", `/audit?tenant=${tenant}`), 200)).entries;

/** A fresh managed tenant, and an admin API key of its own. */
async function tenantWithAdmin(): Promise<{ tenant: string; key: string }> {
  const tenant = freshTenant("wh");
  return { tenant, key: await tenantWithKey(call, tenant, ["admin"]) };
}

function asTenant(key: string, method: string, path: string): Promise<Response> {
  return request(`/v1/admin/webhooks${path}`, { method, headers: { authorization: `Bearer ${key}` } });
}

describe("an operator's webhook routes", () => {
  it("create (secret once), list, read, change, rotate and delete a tenant's endpoint, each change audited", async () => {
    const { tenant, key } = await tenantWithAdmin();
    const created = await jsonOf<Endpoint>(await call("POST", hooks(tenant), valid), 201);
    expect(created).toMatchObject({ ...valid, status: "enabled" });
    expect(created.secret).toMatch(/^whsec_/);
    const { secret: _, ...shown } = created;

    // The tenant's own key sees what the operator made, and the operator sees it the same way.
    const own = await jsonOf<{ endpoints: Endpoint[] }>(await asTenant(key, "GET", ""), 200);
    expect(own.endpoints).toEqual([shown]);
    expect(await jsonOf(await call("GET", hooks(tenant)), 200)).toEqual({ endpoints: [shown] });
    expect(await jsonOf(await call("GET", hooks(tenant, `/${created.id}`)), 200)).toEqual(shown);

    const patched = await jsonOf<Endpoint>(
      await call("PATCH", hooks(tenant, `/${created.id}`), { status: "disabled", rooms: ["chat-*"] }),
      200,
    );
    expect(patched).toMatchObject({ status: "disabled", rooms: ["chat-*"] });
    const rotated = await jsonOf<Endpoint>(await call("POST", hooks(tenant, `/${created.id}/rotate-secret`)), 200);
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(created.secret);
    expect(await jsonOf(await call("GET", hooks(tenant, `/${created.id}/failures`)), 200)).toEqual({ failures: [] });

    const deleted = await call("DELETE", hooks(tenant, `/${created.id}`));
    expect(deleted.status).toBe(204);
    expect(await hubStub(env, tenant).list()).toEqual([]);

    const entries = await auditOf(tenant);
    expect(entries.map((e) => [e.action, e.target])).toEqual([
      ["webhook.delete", created.id],
      ["webhook.rotate_secret", created.id],
      ["webhook.update", created.id],
      ["webhook.create", created.id],
      ["api_key.create", expect.any(String)],
      ["tenant.create", null],
    ]);
    expect(entries[3]?.details).toEqual({ url: "https://a.hooks.test/in", events: ["presence.joined"] });
    expect(entries[2]?.details).toEqual({ status: "disabled", rooms: ["chat-*"] });
    expect(entries.every((e) => e.operator === "ophooks")).toBe(true);
    const text = JSON.stringify(entries);
    for (const secret of [created.secret, rotated.secret]) expect(text).not.toContain(secret?.slice(6));
    expect(text).not.toContain("receiver-secret");
  });

  it("redeliver a tenant's dead-lettered delivery through the queue, audited", async () => {
    const { tenant } = await tenantWithAdmin();
    const created = await jsonOf<Endpoint>(await call("POST", hooks(tenant), valid), 201);
    const event = queuedEvent(tenant, "presence.joined", "lobby");
    const letter = { id: "dl_a2c4e6g8i2k4m6o8q2s4", endpoint: created.id, events: [event], attempts: 9 };
    const at = Date.now() - 3_600_000;
    await hubStub(env, tenant).storeDeadLetters([
      { ...letter, firstAttemptAt: at, lastAttemptAt: at, lastError: "HTTP 500" },
    ]);
    const failures = await jsonOf<{ failures: { id: string }[] }>(
      await call("GET", hooks(tenant, `/${created.id}/failures`)),
      200,
    );
    expect(failures.failures.map((f) => f.id)).toEqual([letter.id]);

    const res = await call("POST", hooks(tenant, `/${created.id}/failures/${letter.id}/redeliver`));
    expect(await jsonOf(res, 202)).toEqual({ deliveryId: letter.id, events: 1, status: "queued" });
    await eventually(async () => (await hubStub(env, tenant).deadLetters(created.id))?.length === 0, "the redelivery");
    expect(receiver.eventIdsTo("a.hooks.test")).toEqual([event.id]);
    const [latest] = await auditOf(tenant);
    expect(latest).toMatchObject({
      action: "webhook.redeliver",
      target: created.id,
      details: { deliveryId: letter.id, events: 1 },
    });
  });
});

describe("refused operator webhook calls change nothing and are not audited", () => {
  const routes = (id: string) =>
    [
      ["POST", "", valid],
      ["GET", "", undefined],
      ["GET", `/${id}`, undefined],
      ["PATCH", `/${id}`, { status: "enabled" }],
      ["DELETE", `/${id}`, undefined],
      ["POST", `/${id}/rotate-secret`, undefined],
      ["GET", `/${id}/failures`, undefined],
      ["POST", `/${id}/failures/dl_a2c4e6g8i2k4m6o8q2s4/redeliver`, undefined],
    ] as const;

  it("answers 404 for a tenant the control plane does not know (or deleted), 400 invalid_id for a malformed one", async () => {
    const unknown = freshTenant("wh");
    const { tenant: gone } = await tenantWithAdmin();
    await jsonOf(await call("DELETE", `/tenants/${gone}`), 200);
    const before = (await jsonOf<{ entries: { id: string }[] }>(await call("GET", "/audit?limit=1"), 200)).entries;
    for (const [method, path, body] of routes("we_k2m4q6s8u2w4y6a8c2e4")) {
      const what = `${method} ${path}`;
      for (const t of [unknown, gone])
        expect(await errorOf(await bulk(method, hooks(t, path), body)), what).toMatchObject({
          status: 404,
          code: "not_found",
        });
      expect(await errorOf(await bulk(method, hooks("Bad.Tenant", path), body)), what).toMatchObject({
        status: 400,
        code: "invalid_id",
      });
    }
    expect(await hubStub(env, unknown).list()).toEqual([]);
    expect(await hubStub(env, gone).list()).toEqual([]);
    const after = (await jsonOf<{ entries: { id: string }[] }>(await call("GET", "/audit?limit=1"), 200)).entries;
    expect(after).toEqual(before);
  });

  it("refuses tenant credentials with 403 (even the tenant's own admin key) and no credential with 401", async () => {
    const { tenant, key } = await tenantWithAdmin();
    const token = await signToken({ scope: "subscribe publish presence" });
    const tenantCredentials: Record<string, string>[] = [
      { authorization: `Bearer ${key}` },
      { "x-api-key": apiKey("hooksa") },
      { authorization: `Bearer ${token}` },
    ];
    for (const [method, path, body] of routes("we_k2m4q6s8u2w4y6a8c2e4")) {
      const what = `${method} ${path}`;
      for (const auth of tenantCredentials)
        expect(await errorOf(await operator(method, hooks(tenant, path), body, auth)), what).toMatchObject({
          status: 403,
          code: "forbidden",
        });
      expect(await errorOf(await operator(method, hooks(tenant, path), body)), what).toMatchObject({
        status: 401,
        code: "missing_token",
      });
    }
    expect(await hubStub(env, tenant).list()).toEqual([]);
  });

  it("refuses bad bodies, forbidden URLs, an 11th endpoint and unknown ids with their codes", async () => {
    const { tenant } = await tenantWithAdmin();
    const mine = await jsonOf<Endpoint>(await call("POST", hooks(tenant), valid), 201);
    const { secret: _, ...shown } = mine;
    const other = await tenantWithAdmin();
    const theirs = await jsonOf<Endpoint>(await call("POST", hooks(other.tenant), valid), 201);
    const audited = (await auditOf(tenant)).length;
    const refusals: [string, string, unknown, number, string][] = [
      ["POST", "", { url: valid.url, events: ["room.exploded"] }, 400, "invalid_body"],
      ["POST", "", { url: "http://hooks.example.com/in", events: ["room.vacated"] }, 400, "invalid_url"],
      ["POST", "", { url: "https://169.254.169.254/latest", events: ["room.vacated"] }, 400, "invalid_url"],
      ["POST", "", "{not json", 400, "invalid_json"],
      ["PATCH", `/${mine.id}`, { url: "https://user:pw@hooks.example.com/" }, 400, "invalid_url"],
      ["PATCH", `/${mine.id}`, {}, 400, "invalid_body"],
      ["GET", "/we_unknown", undefined, 404, "not_found"],
      // Another tenant's endpoint is unknown under this tenant.
      ["GET", `/${theirs.id}`, undefined, 404, "not_found"],
      ["DELETE", `/${theirs.id}`, undefined, 404, "not_found"],
      ["POST", `/${theirs.id}/rotate-secret`, undefined, 404, "not_found"],
      ["POST", `/${mine.id}/failures/dl_a2c4e6g8i2k4m6o8q2s4/redeliver`, undefined, 404, "not_found"],
    ];
    for (const [method, path, body, status, code] of refusals)
      expect(await errorOf(await call(method, hooks(tenant, path), body)), `${method} ${path}`).toMatchObject({
        status,
        code,
      });
    expect(await hubStub(env, tenant).list()).toEqual([shown]);
    expect(await hubStub(env, other.tenant).list()).toHaveLength(1);

    for (let i = 1; i < 10; i++) await jsonOf(await call("POST", hooks(tenant), valid), 201);
    expect(await errorOf(await call("POST", hooks(tenant), valid))).toMatchObject({
      status: 409,
      code: "too_many_endpoints",
    });
    expect(await hubStub(env, tenant).list()).toHaveLength(10);
    // The nine creations are audited; no refusal is.
    expect((await auditOf(tenant)).length).toBe(audited + 9);
  });
});
