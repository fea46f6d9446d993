// GET /v1/operator/usage?tenant=: a tenant's usage for an operator, the very answer the tenant's
// own admin key gets from GET /v1/admin/usage; an unknown tenant is 404, tenant credentials 403.
import { beforeAll, describe, expect, it } from "vitest";
import { errorOf, freshRoom, publishHttp, request, roomStubOf, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { apiKey } from "../support/tokens.ts";
import { flushObjects } from "../support/usage.ts";
import { freshTenant, jsonOf, operatorAs, operatorKey, tenantWithKey } from "./operator-helpers.ts";

beforeAll(warmUp, WARM_UP_MS);

const call = operatorAs("opusage");
const asOperator = { authorization: `Bearer ${operatorKey("opusage")}` };
type Series = { step: string; from: string; to: string; totals: { messages: Record<string, number> } };

describe("GET /v1/operator/usage", () => {
  it("answers exactly what the tenant's admin key reads, for the same range", async () => {
    const tenant = freshTenant("usage");
    const key = await tenantWithKey(call, tenant, ["admin", "publish"]);
    const room = freshRoom();
    for (const payload of [1, 2]) expect((await publishHttp(room, key, { event: "e", payload })).status).toBe(202);
    await flushObjects([roomStubOf(room, tenant)]);

    const now = Date.now();
    const range = `from=${new Date(now - 3_600_000).toISOString()}&to=${new Date(now).toISOString()}&step=minute`;
    const own = await jsonOf<Series>(
      await request(`/v1/admin/usage?${range}`, { headers: { authorization: `Bearer ${key}` } }),
      200,
    );
    const seen = await jsonOf<Series>(await call("GET", `/usage?tenant=${tenant}&${range}`), 200);
    expect(own.totals.messages).toEqual({ http: 2, batch: 0, ws: 0 });
    expect(seen).toEqual(own);
  });

  it("reads a tenant only the configuration names (API_KEYS), by the hour", async () => {
    const seen = await jsonOf<Series>(await call("GET", "/usage?tenant=globex&step=hour"), 200);
    expect(seen.step).toBe("hour");
  });

  it("answers 404 for a tenant the gateway does not know, 400 without a tenant or with a bad range", async () => {
    expect(await errorOf(await call("GET", `/usage?tenant=${freshTenant("nobody")}`))).toMatchObject({
      status: 404,
      code: "not_found",
    });
    expect(await errorOf(await call("GET", "/usage"))).toMatchObject({ status: 400, code: "invalid_query" });
    expect(await errorOf(await call("GET", "/usage?tenant=acme&step=day"))).toMatchObject({
      status: 400,
      code: "invalid_query",
    });
  });

  it("refuses a tenant's admin key with 403, and an operator key on the tenant's route", async () => {
    const res = await request("/v1/operator/usage?tenant=acme", {
      headers: { authorization: `Bearer ${apiKey("adminacme")}` },
    });
    expect(await errorOf(res)).toMatchObject({ status: 403, code: "forbidden" });
    const own = await request("/v1/admin/usage", { headers: asOperator });
    expect(await errorOf(own)).toMatchObject({ status: 403, code: "forbidden" });
  });
});
