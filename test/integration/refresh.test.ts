// refreshedState with tokens signed by the test pool's keys (test/support/tokens.ts) and the
// gateway's own configuration, so verification is the real one.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { configFor } from "../../src/config.ts";
import { refreshedState } from "../../src/room/sockets/refresh.ts";
import { connectionState } from "../support/connection-state.ts";
import { nowSeconds, signToken, type TokenOptions } from "../support/tokens.ts";

const config = configFor(env);
const state = connectionState({ tenant: "acme", id: "alice", room: "team:red", presence: true });

/** Refreshes `state` with a token made from `options`; `revoked` stands for the room's revocation check. */
async function refresh(options: TokenOptions, revoked: (jti: string | undefined) => boolean = () => false) {
  return refreshedState(config, state, await signToken(options), async (t) => revoked(t.jti), new Date());
}

describe("refreshedState", () => {
  it("extends the connection to the new token's expiry and takes its scopes and ids", async () => {
    const iat = nowSeconds();
    const next = await refresh({
      sub: "alice",
      scope: "subscribe publish",
      claims: { jti: "t-2", iat, exp: iat + 900 },
    });
    // Without scope presence the socket's presence frames stop.
    expect(next).toEqual({
      ...state,
      scopes: ["subscribe", "publish"],
      exp: iat + 900,
      jti: "t-2",
      iat,
      presence: false,
    });
  });

  it("keeps presence frames flowing for a token that still has scope presence", async () => {
    await expect(refresh({ sub: "alice", scope: "subscribe presence" })).resolves.toMatchObject({ presence: true });
  });

  it("accepts a token that grants the room by prefix", async () => {
    await expect(refresh({ sub: "alice", rooms: ["team:*"] })).resolves.toMatchObject({ room: "team:red" });
  });

  it("refuses another user's token as forbidden", async () => {
    await expect(refresh({ sub: "mallory" })).rejects.toMatchObject({ code: "forbidden" });
  });

  it("refuses the same sub in another tenant as forbidden", async () => {
    await expect(refresh({ sub: "alice", tenant: "globex" })).rejects.toMatchObject({ code: "forbidden" });
  });

  it("refuses a token without scope subscribe as forbidden", async () => {
    await expect(refresh({ sub: "alice", scope: "publish" })).rejects.toMatchObject({ code: "forbidden" });
  });

  it("refuses a token whose room grants leave this room out as forbidden", async () => {
    await expect(refresh({ sub: "alice", rooms: ["team:blue", "lobby"] })).rejects.toMatchObject({
      code: "forbidden",
    });
  });

  it("refuses a revoked token as token_revoked", async () => {
    await expect(refresh({ sub: "alice", claims: { jti: "stolen" } }, (jti) => jti === "stolen")).rejects.toMatchObject(
      {
        code: "token_revoked",
      },
    );
  });

  it("passes a verification failure on with its own code", async () => {
    await expect(refresh({ sub: "alice", expiresIn: -60 })).rejects.toMatchObject({ code: "token_expired" });
    await expect(refreshedState(config, state, "not-a-token", async () => false, new Date())).rejects.toMatchObject({
      code: "invalid_token",
    });
  });
});
