// API keys and signing keys made through the operator API, and what a tenant's record changes on
// the hot path (status, payload size, publish rate, origins). Each test uses a tenant no request
// has touched before its change, so no cached answer is involved (control-cache.test.ts covers that).
import { beforeAll, describe, expect, it } from "vitest";
import { errorOf, freshRoom, publishHttp, TestSocket, upgrade, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { signToken } from "../support/tokens.ts";
import { freshTenant, jsonOf, operatorAs, signingPair, tenantWithKey } from "./operator-helpers.ts";

beforeAll(warmUp, WARM_UP_MS);

const call = operatorAs("opkeys");

type KeyRecord = { id: string; tenant: string; scopes: string[]; lastUsedAt: string | null; revokedAt: string | null };
type Created = { key: string; record: KeyRecord };

const publish = (credential: string, payload: unknown = 1, room = freshRoom()) =>
  publishHttp(room, credential, { event: "e", payload });

async function connectStatus(token: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await upgrade(`/v1/rooms/${freshRoom()}/ws`, { authorization: `Bearer ${token}`, ...headers });
  if (res.webSocket !== null) new TestSocket(res.webSocket).close();
  else await res.body?.cancel();
  return res.status;
}

describe("API keys from the operator API", () => {
  it("are shown once, carry their tenant, publish at once and report their last use to the minute", async () => {
    const tenant = freshTenant();
    await jsonOf(await call("POST", "/tenants", { id: tenant }), 201);
    const created = await jsonOf<Created>(
      await call("POST", `/tenants/${tenant}/api-keys`, { scopes: ["publish", "publish"], name: "backend" }),
      201,
    );
    expect(created.key).toMatch(new RegExp(`^bgw_${tenant}\\.k[A-Za-z0-9]{20}_[A-Za-z0-9_-]{43}$`));
    expect(created.record).toMatchObject({ tenant, scopes: ["publish"], lastUsedAt: null, revokedAt: null });
    const res = await publish(created.key);
    expect(res.status).toBe(202);
    const list = await jsonOf<{ keys: KeyRecord[] }>(await call("GET", `/tenants/${tenant}/api-keys`), 200);
    const text = JSON.stringify(list);
    expect(text).not.toContain(created.key.split("_").at(-1));
    expect(text).not.toContain("hash");
    expect(list.keys).toEqual([expect.objectContaining({ id: created.record.id })]);
    const used = Date.parse(list.keys[0]?.lastUsedAt ?? "");
    expect(used % 60_000).toBe(0);
    expect(Date.now() - used).toBeLessThan(120_000);
  });

  it("refuses a revoked key with 401 revoked_api_key, and revoking twice changes nothing", async () => {
    const tenant = freshTenant();
    const key = await tenantWithKey(call, tenant);
    const id = /\.(k[A-Za-z0-9]{20})_/.exec(key)?.[1] ?? "";
    const revoked = await jsonOf<KeyRecord>(await call("DELETE", `/tenants/${tenant}/api-keys/${id}`), 200);
    expect(revoked.revokedAt).not.toBeNull();
    expect(await jsonOf(await call("DELETE", `/tenants/${tenant}/api-keys/${id}`), 200)).toEqual(revoked);
    expect(await errorOf(await publish(key))).toMatchObject({ status: 401, code: "revoked_api_key" });
    const audit = await jsonOf<{ entries: { action: string; target: string }[] }>(
      await call("GET", `/audit?tenant=${tenant}`),
      200,
    );
    expect(audit.entries.map((e) => `${e.action} ${e.target}`).slice(0, 3)).toEqual([
      `api_key.revoke ${id}`,
      `api_key.revoke ${id}`,
      `api_key.create ${id}`,
    ]);
  });

  it("refuses a forged secret, an unknown id and a key of a tenant without records with 401 invalid_api_key", async () => {
    const tenant = freshTenant();
    const key = await tenantWithKey(call, tenant);
    const forged = key.replace(/_[A-Za-z0-9_-]{43}$/, `_${"A".repeat(43)}`);
    const unknownId = key.replace(/\.k[A-Za-z0-9]{20}_/, ".kNoSuchKeyNoSuchKey12_");
    const noRecords = key.replace(`bgw_${tenant}.`, `bgw_${freshTenant()}.`);
    for (const k of [forged, unknownId, noRecords])
      expect(await errorOf(await publish(k)), k).toMatchObject({ status: 401, code: "invalid_api_key" });
  });

  it("holds a key to its scopes", async () => {
    const key = await tenantWithKey(call, freshTenant(), ["presence"]);
    expect(await errorOf(await publish(key))).toMatchObject({ status: 403, code: "forbidden" });
  });

  it("refuses unknown scopes, a past or malformed expiresAt and unknown members, changing nothing", async () => {
    const tenant = freshTenant();
    await jsonOf(await call("POST", "/tenants", { id: tenant }), 201);
    for (const body of [
      { scopes: ["publish", "superuser"] },
      { scopes: [] },
      { scopes: ["publish"], expiresAt: new Date(Date.now() - 1000).toISOString() },
      { scopes: ["publish"], expiresAt: "tomorrow" },
      { scopes: ["publish"], name: "x".repeat(101) },
      { scopes: ["publish"], id: "mine" },
    ])
      expect(
        await errorOf(await call("POST", `/tenants/${tenant}/api-keys`, body)),
        JSON.stringify(body),
      ).toMatchObject({
        status: 400,
        code: "invalid_body",
      });
    expect(await jsonOf(await call("GET", `/tenants/${tenant}/api-keys`), 200)).toEqual({ keys: [] });
  });

  it("lists keys a page at a time; a malformed id is 400, an unknown one 404", async () => {
    const tenant = freshTenant();
    await jsonOf(await call("POST", "/tenants", { id: tenant }), 201);
    for (let i = 0; i < 3; i++)
      await jsonOf(await call("POST", `/tenants/${tenant}/api-keys`, { scopes: ["publish"] }), 201);
    const first = await jsonOf<{ keys: KeyRecord[]; next: string }>(
      await call("GET", `/tenants/${tenant}/api-keys?limit=2`),
      200,
    );
    const rest = await jsonOf<{ keys: KeyRecord[]; next?: string }>(
      await call("GET", `/tenants/${tenant}/api-keys?limit=2&cursor=${first.next}`),
      200,
    );
    expect(first.keys).toHaveLength(2);
    expect(rest.keys).toHaveLength(1);
    expect(rest.next).toBeUndefined();
    expect(await errorOf(await call("DELETE", `/tenants/${tenant}/api-keys/not-an-id!`))).toMatchObject({
      status: 400,
      code: "invalid_id",
    });
    expect(await errorOf(await call("DELETE", `/tenants/${tenant}/api-keys/kUnknown`))).toMatchObject({
      status: 404,
      code: "not_found",
    });
  });
});

describe("signing keys from the operator API", () => {
  it("verify the tenant's tokens for connects and publishes, and only that tenant's", async () => {
    const tenant = freshTenant();
    const pair = await signingPair(`kid-${crypto.randomUUID().slice(0, 8)}`);
    await jsonOf(await call("POST", "/tenants", { id: tenant }), 201);
    const added = await jsonOf<{ kid: string; source: string }>(
      await call("POST", `/tenants/${tenant}/signing-keys`, { jwk: pair.publicJwk }),
      201,
    );
    expect(added).toMatchObject({ kid: pair.publicJwk.kid, source: "jwk" });
    const token = await pair.sign({ tenant, sub: "alice", scope: "subscribe publish" });
    expect(await connectStatus(token)).toBe(101);
    expect((await publish(token)).status).toBe(202);
    const foreign = await pair.sign({ tenant: "acme", sub: "mallory", scope: "subscribe publish" });
    expect(await errorOf(await publish(foreign))).toMatchObject({ status: 401, code: "unknown_key" });
  });

  it("refuses private, symmetric, weak and unusable JWKs with 400 naming the member, changing nothing", async () => {
    const tenant = freshTenant();
    await jsonOf(await call("POST", "/tenants", { id: tenant }), 201);
    const { publicJwk, privateJwk } = await signingPair("kid-1");
    const cases: [unknown, string][] = [
      [{ jwk: privateJwk }, "jwk.d"],
      [{ jwk: { ...publicJwk, oth: [] } }, "jwk.oth"],
      [{ jwk: { kty: "oct", kid: "sym", k: "c2VjcmV0" } }, "jwk.k"],
      [{ jwk: { kty: "RSA", kid: "weak", n: "AQAB", e: "AQAB" } }, "jwk.n"],
      [{ jwk: { ...publicJwk, kid: "has/slash" } }, "jwk.kid"],
      [{ jwk: { ...publicJwk, tenant: "acme" } }, "jwk.tenant"],
      [{ jwk: { ...publicJwk, x: "AAAA" } }, "jwk"],
      [{ jwk: { ...publicJwk, alg: "HS256" } }, "jwk"],
      [{}, ""],
      [{ jwk: publicJwk, jwksUrl: "https://idp.example.com/jwks" }, ""],
    ];
    for (const [body, field] of cases) {
      const res = await call("POST", `/tenants/${tenant}/signing-keys`, body);
      const error = await jsonOf<{
        error: { code: string; details: { formErrors: string[]; fieldErrors: Record<string, string[]> } };
      }>(res, 400);
      expect(error.error.code).toBe("invalid_body");
      if (field === "") expect(error.error.details.formErrors.length, JSON.stringify(body)).toBeGreaterThan(0);
      else expect(Object.keys(error.error.details.fieldErrors), JSON.stringify(body)).toContain(field);
    }
    expect(await jsonOf(await call("GET", `/tenants/${tenant}/signing-keys`), 200)).toEqual({ signingKeys: [] });
  });

  it("refuses a jwksUrl that is not https, names a private address, carries credentials or does not resolve", async () => {
    const tenant = freshTenant();
    await jsonOf(await call("POST", "/tenants", { id: tenant }), 201);
    for (const jwksUrl of [
      "http://idp.example.com/jwks.json",
      "http://127.0.0.1:9/jwks.json",
      "https://localhost/jwks.json",
      "https://10.0.0.8/jwks.json",
      "https://169.254.169.254/latest/meta-data",
      "https://[::1]/jwks.json",
      "https://user:pass@idp.example.com/jwks.json",
      "ftp://idp.example.com/jwks.json",
      "not a url",
      "https://jwks.invalid/.well-known/jwks.json",
    ]) {
      const res = await call("POST", `/tenants/${tenant}/signing-keys`, { jwksUrl });
      expect(await errorOf(res), jwksUrl).toMatchObject({ status: 400, code: "invalid_body" });
    }
    expect(await jsonOf(await call("GET", `/tenants/${tenant}/signing-keys`), 200)).toEqual({ signingKeys: [] });
  });

  it("refuses a second key with the same kid (409), lists and removes keys", async () => {
    const tenant = freshTenant();
    await jsonOf(await call("POST", "/tenants", { id: tenant }), 201);
    const { publicJwk } = await signingPair("kid-dup");
    await jsonOf(await call("POST", `/tenants/${tenant}/signing-keys`, { jwk: publicJwk }), 201);
    const again = await call("POST", `/tenants/${tenant}/signing-keys`, {
      jwk: (await signingPair("kid-dup")).publicJwk,
    });
    expect(await errorOf(again)).toMatchObject({ status: 409, code: "conflict" });
    const list = await jsonOf<{ signingKeys: { kid: string; jwk: unknown }[] }>(
      await call("GET", `/tenants/${tenant}/signing-keys`),
      200,
    );
    expect(list.signingKeys).toEqual([expect.objectContaining({ kid: "kid-dup", jwk: publicJwk })]);
    expect((await call("DELETE", `/tenants/${tenant}/signing-keys/kid-dup`)).status).toBe(200);
    expect(await errorOf(await call("DELETE", `/tenants/${tenant}/signing-keys/kid-dup`))).toMatchObject({
      status: 404,
      code: "not_found",
    });
    expect(await errorOf(await call("DELETE", `/tenants/${tenant}/signing-keys/bad%20kid`))).toMatchObject({
      status: 400,
      code: "invalid_id",
    });
  });
});

describe("a tenant's record on the hot path", () => {
  it("refuses a suspended tenant's API keys, registered-key tokens, secret-signed tokens and connects with 403", async () => {
    const tenant = freshTenant();
    const key = await tenantWithKey(call, tenant);
    const pair = await signingPair("kid-s");
    await jsonOf(await call("POST", `/tenants/${tenant}/signing-keys`, { jwk: pair.publicJwk }), 201);
    await jsonOf(await call("PATCH", `/tenants/${tenant}`, { status: "suspended" }), 200);
    const registered = await pair.sign({ tenant, sub: "alice", scope: "subscribe publish" });
    const shared = await signToken({ tenant, sub: "bob", scope: "subscribe publish" });
    for (const credential of [key, registered, shared])
      expect(await errorOf(await publish(credential))).toMatchObject({ status: 403, code: "tenant_suspended" });
    for (const token of [registered, shared]) expect(await connectStatus(token)).toBe(403);
  });

  it("refuses a deleted tenant: its keys are gone, its secret-signed tokens are refused", async () => {
    const tenant = freshTenant();
    const key = await tenantWithKey(call, tenant);
    await jsonOf(await call("DELETE", `/tenants/${tenant}`), 200);
    expect(await errorOf(await publish(key))).toMatchObject({ status: 401, code: "invalid_api_key" });
    const shared = await signToken({ tenant, sub: "bob", scope: "subscribe publish" });
    expect(await errorOf(await publish(shared))).toMatchObject({ status: 403, code: "tenant_suspended" });
    expect(await connectStatus(shared)).toBe(403);
  });

  it("holds HTTP publishes to the tenant's maxPayloadBytes", async () => {
    const tenant = freshTenant();
    await jsonOf(await call("POST", "/tenants", { id: tenant, limits: { maxPayloadBytes: 100 } }), 201);
    const { key } = await jsonOf<Created>(
      await call("POST", `/tenants/${tenant}/api-keys`, { scopes: ["publish"] }),
      201,
    );
    expect((await publish(key, "x".repeat(90))).status).toBe(202);
    expect(await errorOf(await publish(key, "x".repeat(120)))).toMatchObject({
      status: 413,
      code: "payload_too_large",
    });
    expect(await errorOf(await publish(key, "x".repeat(2000)))).toMatchObject({
      status: 413,
      code: "payload_too_large",
    });
  });

  it("holds a tenant to publishPerSecond across its publishers, and no other tenant", { timeout: 60_000 }, async () => {
    const tenant = freshTenant();
    await jsonOf(await call("POST", "/tenants", { id: tenant, limits: { publishPerSecond: 1 } }), 201);
    const keys = await Promise.all(
      [0, 1].map(async () =>
        jsonOf<Created>(await call("POST", `/tenants/${tenant}/api-keys`, { scopes: ["publish"] }), 201),
      ),
    );
    // 1 a second is 10 per 10-second window; a window may roll over mid-test, so at most 20 pass.
    let accepted = 0;
    let refused: Awaited<ReturnType<typeof errorOf>> | undefined;
    for (let i = 0; i < 21 && refused === undefined; i++) {
      const res = await publish(keys[i % 2]?.key ?? "");
      if (res.status === 429) refused = await errorOf(res);
      else expect(res.status).toBe(202);
      accepted += res.status === 202 ? 1 : 0;
    }
    expect(refused).toMatchObject({ status: 429, code: "rate_limited" });
    expect(accepted).toBeGreaterThanOrEqual(10);
    expect(accepted).toBeLessThanOrEqual(20);
    const other = await tenantWithKey(call, freshTenant());
    expect((await publish(other)).status).toBe(202);
  });

  it("lets a tenant's own origins replace ALLOWED_ORIGINS for its sockets", async () => {
    const tenant = freshTenant();
    const pair = await signingPair("kid-o");
    await jsonOf(await call("POST", "/tenants", { id: tenant, allowedOrigins: ["https://tenant.example"] }), 201);
    await jsonOf(await call("POST", `/tenants/${tenant}/signing-keys`, { jwk: pair.publicJwk }), 201);
    const token = await pair.sign({ tenant, sub: "alice" });
    expect(await connectStatus(token, { origin: "https://tenant.example" })).toBe(101);
    expect(await connectStatus(token, { origin: "https://app.example" })).toBe(403);
    expect(await connectStatus(token)).toBe(101);
    const acme = await signToken({ sub: "alice" });
    expect(await connectStatus(acme, { origin: "https://tenant.example" })).toBe(403);
    expect(await connectStatus(acme, { origin: "https://app.example" })).toBe(101);
  });
});
