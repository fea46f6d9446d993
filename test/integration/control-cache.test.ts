// The isolate's control-plane cache against its bars, driven by the cache's clock (Date, faked here
// and moved forward by hand): a revoked key, a removed signing key, a suspension or a new limit is
// still served from the cache just after the operator's 2xx (no call home) and refused once the
// entry is FRESH_MS old, under the 5 s bar; a new key answers at once, a new signing key within
// UNKNOWN_KID_RECHECK_MS. Unknown keys meet the per-IP brake before any object read.
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { FRESH_MS, UNKNOWN_KID_RECHECK_MS } from "../../src/control/lookups.ts";
import { errorOf, freshRoom, request, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { freshTenant, jsonOf, operatorAs, signingPair, tenantWithKey } from "./operator-helpers.ts";

beforeAll(warmUp, WARM_UP_MS);
// Only Date is faked (the cache's clock), and it keeps running: timers and the limiter are untouched.
beforeEach(() => vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true }));
afterEach(() => vi.useRealTimers());

const call = operatorAs("opfresh");
const BAR_MS = 5_000;
const advance = (ms: number) => vi.setSystemTime(Date.now() + ms);
const publish = (credential: string, payload: unknown = 1, headers: Record<string, string> = {}) =>
  request(`/v1/rooms/${freshRoom()}/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${credential}`, ...headers },
    body: JSON.stringify({ event: "e", payload }),
  });
const keyIdOf = (key: string) => /\.(k[A-Za-z0-9]{20})_/.exec(key)?.[1] ?? "";

it("keeps every entry for less than the 5 s bar", () => {
  expect(FRESH_MS).toBeLessThan(BAR_MS);
});

describe("a change made through the operator API", () => {
  it("revoking a key: served from the cache at first, refused once the entry is FRESH_MS old", async () => {
    const tenant = freshTenant();
    const key = await tenantWithKey(call, tenant);
    expect((await publish(key)).status).toBe(202);
    await jsonOf(await call("DELETE", `/tenants/${tenant}/api-keys/${keyIdOf(key)}`), 200);
    expect((await publish(key)).status).toBe(202);
    advance(FRESH_MS);
    expect(await errorOf(await publish(key))).toMatchObject({ status: 401, code: "revoked_api_key" });
  });

  it("removing a signing key: a token it verified (cached) is refused once the snapshot is FRESH_MS old", async () => {
    const tenant = freshTenant();
    const pair = await signingPair("kid-gone");
    await jsonOf(await call("POST", "/tenants", { id: tenant }), 201);
    await jsonOf(await call("POST", `/tenants/${tenant}/signing-keys`, { jwk: pair.publicJwk }), 201);
    const token = await pair.sign({ tenant, sub: "alice", scope: "publish" });
    expect((await publish(token)).status).toBe(202);
    await jsonOf(await call("DELETE", `/tenants/${tenant}/signing-keys/kid-gone`), 200);
    expect((await publish(token)).status).toBe(202);
    advance(FRESH_MS);
    expect(await errorOf(await publish(token))).toMatchObject({ status: 401, code: "unknown_key" });
  });

  it("suspending and resuming a tenant take effect once the snapshot is FRESH_MS old", async () => {
    const tenant = freshTenant();
    const key = await tenantWithKey(call, tenant);
    expect((await publish(key)).status).toBe(202);
    await jsonOf(await call("PATCH", `/tenants/${tenant}`, { status: "suspended" }), 200);
    advance(FRESH_MS);
    expect(await errorOf(await publish(key))).toMatchObject({ status: 403, code: "tenant_suspended" });
    await jsonOf(await call("PATCH", `/tenants/${tenant}`, { status: "active" }), 200);
    expect(await errorOf(await publish(key))).toMatchObject({ status: 403, code: "tenant_suspended" });
    advance(FRESH_MS);
    expect((await publish(key)).status).toBe(202);
  });

  it("lowering a limit takes effect once the snapshot is FRESH_MS old", async () => {
    const tenant = freshTenant();
    const key = await tenantWithKey(call, tenant);
    const payload = "x".repeat(500);
    expect((await publish(key, payload)).status).toBe(202);
    await jsonOf(await call("PATCH", `/tenants/${tenant}`, { limits: { maxPayloadBytes: 100 } }), 200);
    advance(FRESH_MS);
    expect(await errorOf(await publish(key, payload))).toMatchObject({ status: 413, code: "payload_too_large" });
  });

  it("a new key answers its first request at once, and an expired one is refused", async () => {
    const tenant = freshTenant();
    await tenantWithKey(call, tenant);
    const expiresAt = new Date(Date.now() + 60_000).toISOString();
    const { key } = await jsonOf<{ key: string }>(
      await call("POST", `/tenants/${tenant}/api-keys`, { scopes: ["publish"], expiresAt }),
      201,
    );
    expect((await publish(key)).status).toBe(202);
    advance(60_000);
    expect(await errorOf(await publish(key))).toMatchObject({ status: 401, code: "invalid_api_key" });
  });

  it("a signing key added while the tenant is cached verifies within UNKNOWN_KID_RECHECK_MS", async () => {
    const tenant = freshTenant();
    const key = await tenantWithKey(call, tenant);
    expect((await publish(key)).status).toBe(202);
    const pair = await signingPair("kid-new");
    await jsonOf(await call("POST", `/tenants/${tenant}/signing-keys`, { jwk: pair.publicJwk }), 201);
    const token = await pair.sign({ tenant, sub: "alice", scope: "publish" });
    expect(await errorOf(await publish(token))).toMatchObject({ status: 401, code: "unknown_key" });
    advance(UNKNOWN_KID_RECHECK_MS);
    expect((await publish(token)).status).toBe(202);
  });
});

describe("unknown keys", () => {
  const ip = () => `198.51.100.${Math.floor(Math.random() * 250) + 1}`;

  it("meet the per-IP brake before any object read, while cached keys from that IP still work", {
    timeout: 60_000,
  }, async () => {
    const tenant = freshTenant();
    const key = await tenantWithKey(call, tenant);
    const from = { "cf-connecting-ip": ip() };
    expect((await publish(key, 1, from)).status).toBe(202);
    // Each made-up key costs three lookup units (20 per 10 s) and, refused, a failure unit (60 per
    // 10 s): the lookup brake answers first, so the address is never blocked for its valid keys.
    const BRAKE = "too many unknown-key requests";
    let last = { status: 0, code: "", message: "" };
    for (let i = 0; i < 4 * 20 && last.message !== BRAKE; i++) {
      const made = `bgw_${freshTenant()}.k${crypto.randomUUID().replace(/-/g, "").slice(0, 20)}_${"A".repeat(43)}`;
      const res = await publish(made, 1, from);
      const body = (await res.json()) as { error: { code: string; message: string } };
      last = { status: res.status, ...body.error };
      expect(body.error.code).toBe(res.status === 429 ? "rate_limited" : "invalid_api_key");
    }
    expect(last).toMatchObject({ status: 429, code: "rate_limited", message: BRAKE });
    // Cached or not (the flood may outlast FRESH_MS), a key known as real is read again without the brake.
    expect((await publish(key, 2, from)).status).toBe(202);
    advance(FRESH_MS);
    expect((await publish(key, 3, from)).status).toBe(202);
  });

  it("are refused from a negative entry when repeated: only the failure brake sees them", {
    timeout: 60_000,
  }, async () => {
    const tenant = freshTenant();
    const key = await tenantWithKey(call, tenant);
    const unknown = key.replace(/\.k[A-Za-z0-9]{20}_/, ".kUnknownUnknownUnkno_");
    const from = { "cf-connecting-ip": ip() };
    let last = { status: 0, message: "" };
    for (let i = 0; i < 200 && last.status !== 429; i++) {
      const res = await publish(unknown, 1, from);
      last = { status: res.status, message: ((await res.json()) as { error: { message: string } }).error.message };
    }
    expect(last).toEqual({ status: 429, message: "too many failed authentications from this address" });
  });
});
