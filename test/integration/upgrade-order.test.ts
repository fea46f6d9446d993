// What an upgrade's query costs a client who has not proven anything: nothing. The filter
// (`?events=`, `?tags=`) is read only after the token is verified and the connect limiters passed.
import { beforeAll, describe, expect, it } from "vitest";
import { errorOf, freshRoom, upgrade, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { signToken, uniqueSub } from "../support/tokens.ts";

beforeAll(warmUp, WARM_UP_MS);

/** CONNECT_LIMITER in wrangler.toml: connects per identity per 10 s. */
const CONNECT_LIMIT = 30;
const BAD_FILTER = `?tags=${"a:b,".repeat(2_000)}a:b`;

describe("an upgrade's filter", () => {
  it("is not read before the token: without one the answer is 401 missing_token", async () => {
    const res = await upgrade(`/v1/rooms/${freshRoom()}/ws${BAD_FILTER}`);
    expect(await errorOf(res)).toMatchObject({ status: 401, code: "missing_token" });
  });

  it("is not read before the identity's connect limiter: a flood of bad filters ends in 429", async () => {
    const token = await signToken({ sub: uniqueSub("filter-flood") });
    const answers: string[] = [];
    // The limiter's window is fixed: one that rolls over mid-loop takes more attempts (bounded).
    for (let i = 0; i <= 2 * CONNECT_LIMIT && !answers.includes("429 rate_limited"); i++) {
      const res = await upgrade(`/v1/rooms/${freshRoom()}/ws${BAD_FILTER}`, { authorization: `Bearer ${token}` });
      const { status, code } = await errorOf(res);
      answers.push(`${status} ${code}`);
    }
    expect(answers.at(-1)).toBe("429 rate_limited");
    expect(new Set(answers.slice(0, -1))).toEqual(new Set(["400 invalid_filter"]));
    expect(answers.length).toBeGreaterThan(CONNECT_LIMIT);
  });
});
