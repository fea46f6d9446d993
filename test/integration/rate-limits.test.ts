// The rate-limit bindings (wrangler.toml): publishes per credential, connects per tenant+sub.
// Locally a binding is an exact window aligned to the wall clock, so a window may roll over mid-test:
// each test sends until refused (bounded by two windows' worth) instead of expecting a fixed index.
import { beforeAll, describe, expect, it } from "vitest";
import { errorOf, freshRoom, publishHttp, TestSocket, upgrade, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { rateLimit } from "../support/limits.ts";
import { apiKey, signToken, uniqueSub } from "../support/tokens.ts";

beforeAll(warmUp, WARM_UP_MS);

const PUBLISH_LIMIT = rateLimit("PUBLISH_LIMITER").limit;
const CONNECT_LIMIT = rateLimit("CONNECT_LIMITER").limit;
// A flood is a few hundred sequential requests: more than the default 5 s on a busy machine.
const FLOOD_MS = 60_000;

/** Calls `attempt` until it answers 429 or `2 * limit + 1` calls were made; returns the calls and the 429. */
async function floodUntilRefused(limit: number, attempt: () => Promise<Response>) {
  let accepted = 0;
  for (let i = 0; i <= 2 * limit; i++) {
    const res = await attempt();
    if (res.status === 429) return { accepted, refused: await errorOf(res) };
    if (res.webSocket !== null) new TestSocket(res.webSocket).close();
    else expect(res.status, await res.text()).toBe(202);
    accepted++;
  }
  return { accepted, refused: undefined };
}

describe("HTTP publish rate", () => {
  it(
    `refuses an API key's publishes beyond ${PUBLISH_LIMIT} per window with 429 rate_limited and Retry-After`,
    async () => {
      const room = freshRoom();
      const key = apiKey("floodacme"); // used by no other test
      const { accepted, refused } = await floodUntilRefused(PUBLISH_LIMIT, () =>
        publishHttp(room, key, { event: "flood", payload: null }),
      );
      expect(refused).toMatchObject({ status: 429, code: "rate_limited" });
      expect(Number(refused?.retryAfter)).toBeGreaterThan(0);
      expect(accepted).toBeGreaterThanOrEqual(PUBLISH_LIMIT);
    },
    FLOOD_MS,
  );

  it(
    "limits each JWT publisher by its own sub, leaving other publishers of the tenant unaffected",
    async () => {
      const room = freshRoom();
      const flooder = await signToken({ sub: uniqueSub("flooder"), scope: "publish" });
      const { accepted, refused } = await floodUntilRefused(PUBLISH_LIMIT, () =>
        publishHttp(room, flooder, { event: "flood", payload: null }),
      );
      expect(refused).toMatchObject({ status: 429, code: "rate_limited" });
      expect(accepted).toBeGreaterThanOrEqual(PUBLISH_LIMIT);

      const other = await signToken({ sub: uniqueSub("other"), scope: "publish" });
      expect((await publishHttp(room, other, { event: "fine", payload: null })).status).toBe(202);
    },
    FLOOD_MS,
  );
});

describe("WebSocket connect rate", () => {
  it(
    `refuses a tenant+sub's connects beyond ${CONNECT_LIMIT} per window with 429 rate_limited and Retry-After`,
    async () => {
      const sub = uniqueSub("reconnector");
      const token = await signToken({ sub });
      // A fresh room each time: the limit is per tenant+sub across rooms, and the per-room cap on a
      // user's sockets must not be what refuses.
      const { accepted, refused } = await floodUntilRefused(CONNECT_LIMIT, () =>
        upgrade(`/v1/rooms/${freshRoom()}/ws`, { authorization: `Bearer ${token}` }),
      );
      expect(refused).toMatchObject({ status: 429, code: "rate_limited" });
      expect(Number(refused?.retryAfter)).toBeGreaterThan(0);
      expect(accepted).toBeGreaterThanOrEqual(CONNECT_LIMIT);

      // The same sub in another tenant, and another sub in this one, still connect.
      for (const other of [await signToken({ sub, tenant: "globex" }), await signToken({ sub: uniqueSub() })]) {
        const res = await upgrade(`/v1/rooms/${freshRoom()}/ws`, { authorization: `Bearer ${other}` });
        expect(res.status).toBe(101);
        if (res.webSocket !== null) new TestSocket(res.webSocket).close();
      }
    },
    FLOOD_MS,
  );
});
