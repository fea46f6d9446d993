// No request reaches a Durable Object before its rate limiter, and failed authentications are
// limited per client IP (AUTH_FAIL_IP_LIMITER, 60 per 10 s).
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { errorOf, freshRoom, request, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { signToken, uniqueSub } from "../support/tokens.ts";

beforeAll(warmUp, WARM_UP_MS);

const AUTH_FAIL_LIMIT = 60;
const PUBLISH_LIMIT = 100;
const FLOOD_MS = 60_000;
const tenant = () => env.TENANTS.get(env.TENANTS.idFromName("acme"));
const randomIp = () => `198.18.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250) + 1}`;

const publishFrom = (ip: string | undefined, credential: string) =>
  request(`/v1/rooms/${freshRoom()}/messages`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${credential}`,
      ...(ip === undefined ? {} : { "cf-connecting-ip": ip }),
    },
    body: JSON.stringify({ event: "e", payload: 1 }),
  });

/** Sends until a 429 (bounded by two windows' worth); returns the statuses before it and the 429. */
async function untilLimited(limit: number, attempt: () => Promise<Response>) {
  const before: number[] = [];
  for (let i = 0; i <= 2 * limit; i++) {
    const res = await attempt();
    if (res.status === 429) return { before, limited: await errorOf(res) };
    await res.body?.cancel();
    before.push(res.status);
  }
  return { before, limited: undefined };
}

const revoke = (body: unknown) =>
  runInDurableObject(tenant(), async (instance) => {
    const now = Math.floor(Date.now() / 1000);
    await instance.revoke({ kind: "jti", jti: String(body), keepUntil: now + 3_600 });
  });

describe("failed authentications per IP", () => {
  it(
    "answer 429 rate_limited with Retry-After once one address has failed too often",
    async () => {
      const ip = randomIp();
      const { before, limited } = await untilLimited(AUTH_FAIL_LIMIT, () => publishFrom(ip, "not-a-token"));
      expect(limited).toMatchObject({ status: 429, code: "rate_limited" });
      expect(Number(limited?.retryAfter)).toBeGreaterThan(0);
      expect(new Set(before)).toEqual(new Set([401]));
      expect(before.length).toBeGreaterThanOrEqual(AUTH_FAIL_LIMIT);
      // Another address is judged on its own.
      expect((await publishFrom(randomIp(), "not-a-token")).status).toBe(401);
    },
    FLOOD_MS,
  );

  it(
    "refuse an address over its limit before any token work, so even a valid token from it waits",
    async () => {
      const ip = randomIp();
      const { limited } = await untilLimited(AUTH_FAIL_LIMIT, () => publishFrom(ip, "not-a-token"));
      expect(limited).toMatchObject({ status: 429, code: "rate_limited" });
      const valid = await signToken({ sub: uniqueSub("shared-address"), scope: "publish" });
      const refused = await errorOf(await publishFrom(ip, valid));
      expect(refused).toMatchObject({ status: 429, code: "rate_limited" });
      expect(Number(refused.retryAfter)).toBeGreaterThan(0);
      const socket = await request(`/v1/rooms/${freshRoom()}/ws`, {
        headers: { upgrade: "websocket", authorization: `Bearer ${valid}`, "cf-connecting-ip": ip },
      });
      expect(await errorOf(socket)).toMatchObject({ status: 429, code: "rate_limited" });
      // Other addresses are served as before.
      expect((await publishFrom(randomIp(), valid)).status).toBe(202);
    },
    FLOOD_MS,
  );

  it(
    "count bad API keys and refused upgrades alike",
    async () => {
      const ip = randomIp();
      let n = 0;
      const { limited } = await untilLimited(AUTH_FAIL_LIMIT, () =>
        n++ % 2 === 0
          ? publishFrom(ip, "bgw_nosuchkey_0123456789abcdef0123")
          : request(`/v1/rooms/${freshRoom()}/ws`, {
              headers: { upgrade: "websocket", authorization: "Bearer junk", "cf-connecting-ip": ip },
            }),
      );
      expect(limited).toMatchObject({ status: 429, code: "rate_limited" });
    },
    FLOOD_MS,
  );

  it(
    "count an upgrade refused with 400 like a 401",
    async () => {
      const ip = randomIp();
      // A fresh identity each time, so only the per-IP failure limit can answer 429.
      const { before, limited } = await untilLimited(AUTH_FAIL_LIMIT, async () =>
        request(`/v1/rooms/${freshRoom()}/ws?tags=NOT-A-TAG`, {
          headers: {
            upgrade: "websocket",
            authorization: `Bearer ${await signToken({ sub: uniqueSub("bad-filter") })}`,
            "cf-connecting-ip": ip,
          },
        }),
      );
      expect(new Set(before)).toEqual(new Set([400]));
      expect(limited).toMatchObject({ status: 429, code: "rate_limited" });
    },
    FLOOD_MS,
  );
});

describe("limiters come before Durable Objects", () => {
  it(
    "limits a revoked token's HTTP calls by its identity before asking the tenant object",
    async () => {
      const jti = crypto.randomUUID();
      await revoke(jti);
      const token = await signToken({ sub: uniqueSub("revoked"), scope: "publish", claims: { jti } });
      const { before, limited } = await untilLimited(PUBLISH_LIMIT, () => publishFrom(undefined, token));
      expect(new Set(before)).toEqual(new Set([401]));
      expect(limited).toMatchObject({ status: 429, code: "rate_limited" });
    },
    FLOOD_MS,
  );

  it("reads revocations without writing: expired ones are pruned by an alarm", async () => {
    const count = () =>
      runInDurableObject(
        tenant(),
        (_i, state) =>
          state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM revocations WHERE keep_until <= 1").one().n,
      );
    await runInDurableObject(tenant(), async (instance, state) => {
      state.storage.sql.exec(
        "INSERT OR REPLACE INTO revocations (kind, value, before, keep_until) VALUES ('jti', 'stale', NULL, 1)",
      );
      expect(await instance.isRevoked({ sub: "x", jti: "stale" })).toBe(false);
    });
    expect(await count()).toBe(1);
    await runInDurableObject(tenant(), (_i, state) => state.storage.setAlarm(Date.now()));
    await runDurableObjectAlarm(tenant());
    expect(await count()).toBe(0);
  });
});
