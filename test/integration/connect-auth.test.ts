// Every way a WebSocket connect can fail authentication or authorization, and every accepted key.
import { env } from "cloudflare:workers";
import { exportSPKI, importJWK, type JWK, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { errorOf, freshRoom, TestSocket, upgrade, upgradeOutcome, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { claimsFor, forgeToken, nowSeconds, signToken, type TokenOptions, uniqueSub } from "../support/tokens.ts";

beforeAll(warmUp, WARM_UP_MS);

const wsPath = (room: string) => `/v1/rooms/${room}/ws`;

/** Connects with `token` as a Bearer header; returns the error, or fails if the upgrade succeeded. */
async function refusal(token: string | undefined, room = freshRoom()) {
  const res = await upgrade(wsPath(room), token === undefined ? {} : { authorization: `Bearer ${token}` });
  res.webSocket?.accept();
  res.webSocket?.close(1000, "unexpected");
  return errorOf(res);
}

/** Connects and returns the welcome frame, closing the socket afterwards. */
async function welcomeFor(path: string, headers: Record<string, string>) {
  const res = await upgrade(path, headers);
  if (res.webSocket === null) throw new Error(`upgrade refused: ${res.status} ${await res.text()}`);
  const socket = new TestSocket(res.webSocket);
  try {
    return { welcome: await socket.nextOfType("welcome"), protocol: res.headers.get("sec-websocket-protocol") };
  } finally {
    socket.close();
  }
}

const token = (o: TokenOptions = {}) => signToken({ sub: uniqueSub(), ...o });

function publicJwk(kid: string): JWK {
  const jwks = JSON.parse(env.JWT_JWKS ?? "{}") as { keys: JWK[] };
  const jwk = jwks.keys.find((k) => k.kid === kid);
  if (jwk === undefined) throw new Error(`no public key ${kid}`);
  return jwk;
}

/** Replaces a token's claims while keeping its header and signature. */
function withClaims(jwt: string, claims: Record<string, unknown>): string {
  const [header, , signature] = jwt.split(".");
  const body = btoa(JSON.stringify(claims)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `${header}.${body}.${signature}`;
}

describe("connect refuses a missing or malformed token", () => {
  it("answers 401 missing_token without any credential", async () => {
    expect(await refusal(undefined)).toMatchObject({ status: 401, code: "missing_token" });
  });

  it("answers 401 missing_token for an empty access_token", async () => {
    const res = await upgrade(`${wsPath(freshRoom())}?access_token=`);
    expect(await errorOf(res)).toMatchObject({ status: 401, code: "missing_token" });
  });

  it("answers 401 invalid_token for a string that is not a JWT", async () => {
    expect(await refusal("not-a-token")).toMatchObject({ status: 401, code: "invalid_token" });
  });
});

describe("connect refuses a token outside its validity window", () => {
  it("answers 401 token_expired for an expired token", async () => {
    expect(await refusal(await token({ expiresIn: -60 }))).toMatchObject({ status: 401, code: "token_expired" });
  });

  it("answers 401 token_not_yet_valid when nbf is in the future", async () => {
    const early = await token({ claims: { nbf: nowSeconds() + 120 } });
    expect(await refusal(early)).toMatchObject({ status: 401, code: "token_not_yet_valid" });
  });

  it("answers 401 token_not_yet_valid when iat is further in the future than the tolerance", async () => {
    const early = await token({ claims: { iat: nowSeconds() + 120 } });
    expect(await refusal(early)).toMatchObject({ status: 401, code: "token_not_yet_valid" });
  });

  it("accepts nbf and iat a little ahead of its clock, within the tolerance", async () => {
    const room = freshRoom();
    const skewed = await token({ claims: { nbf: nowSeconds() + 1, iat: nowSeconds() + 1 } });
    const { welcome } = await welcomeFor(wsPath(room), { authorization: `Bearer ${skewed}` });
    expect(welcome.room).toBe(room);
  });
});

describe("connect refuses a bad signature", () => {
  it("answers 401 invalid_signature for a token whose claims were edited", async () => {
    const original = await token({ sub: "mallory", scope: "subscribe" });
    const tampered = withClaims(original, claimsFor({ sub: "mallory", scope: "subscribe publish presence" }));
    expect(await refusal(tampered)).toMatchObject({ status: 401, code: "invalid_signature" });
  });

  it("answers 401 invalid_signature for an ES256 token whose claims were edited", async () => {
    const original = await token({ kid: "es-1", tenant: "acme" });
    expect(await refusal(withClaims(original, claimsFor({ tenant: "globex" })))).toMatchObject({
      status: 401,
      code: "invalid_signature",
    });
  });

  it("answers 401 invalid_signature for an HS256 token signed with another secret", async () => {
    const wrong = await new SignJWT(claimsFor({ sub: uniqueSub() }))
      .setProtectedHeader({ alg: "HS256" })
      .sign(new TextEncoder().encode("a-different-secret-of-at-least-32-chars"));
    expect(await refusal(wrong)).toMatchObject({ status: 401, code: "invalid_signature" });
  });

  it("answers 401 invalid_signature for a token with its signature removed", async () => {
    const original = await token();
    const unsigned = `${original.split(".").slice(0, 2).join(".")}.`;
    expect(await refusal(unsigned)).toMatchObject({ status: 401, code: "invalid_signature" });
  });
});

describe("connect refuses algorithms outside the allowlist", () => {
  it('answers 401 invalid_algorithm for alg "none"', async () => {
    const none = forgeToken({ alg: "none", typ: "JWT" }, claimsFor({ sub: uniqueSub() }));
    expect(await refusal(none)).toMatchObject({ status: 401, code: "invalid_algorithm" });
  });

  it('answers 401 invalid_algorithm for alg "none" naming a real kid', async () => {
    const none = forgeToken({ alg: "none", kid: "es-1" }, claimsFor({ sub: uniqueSub() }));
    expect(await refusal(none)).toMatchObject({ status: 401, code: "invalid_algorithm" });
  });

  it("answers 401 invalid_algorithm for HS512, even signed with the real secret", async () => {
    const hs512 = await new SignJWT(claimsFor({ sub: uniqueSub() }))
      .setProtectedHeader({ alg: "HS512" })
      .sign(new TextEncoder().encode(env.JWT_SECRET));
    expect(await refusal(hs512)).toMatchObject({ status: 401, code: "invalid_algorithm" });
  });

  // HS/RS confusion: an attacker signs HS256 with a published public key as the HMAC secret. HS256
  // is configured here (JWT_SECRET), so it is verified with the secret and the signature fails.
  for (const kid of ["rs-1", "es-1", "ed-1"]) {
    it(`refuses HS256 keyed with the public key ${kid} (PEM and JWK bytes)`, async () => {
      const jwk = publicJwk(kid);
      const key = await importJWK(jwk, String(jwk.alg));
      if (key instanceof Uint8Array) throw new Error(`${kid} is not a public key`);
      const pem = await exportSPKI(key);
      for (const secret of [pem, JSON.stringify(jwk)]) {
        const forged = await new SignJWT(claimsFor({ sub: uniqueSub() }))
          .setProtectedHeader({ alg: "HS256", kid })
          .sign(new TextEncoder().encode(secret));
        const { status, code } = await refusal(forged);
        expect(status).toBe(401);
        expect(["invalid_signature", "invalid_algorithm"]).toContain(code);
      }
    });
  }

  it("refuses an RS256 token that names an ES256 key", async () => {
    const rs = await token({ kid: "rs-1", header: { kid: "es-1" } });
    const { status, code } = await refusal(rs);
    expect(status).toBe(401);
    expect(["unknown_key", "invalid_algorithm", "invalid_signature"]).toContain(code);
  });
});

describe("connect refuses unknown keys", () => {
  it("answers 401 unknown_key for a key rotated out of the JWKS (es-retired)", async () => {
    expect(await refusal(await token({ kid: "es-retired" }))).toMatchObject({ status: 401, code: "unknown_key" });
  });

  it("answers 401 unknown_key for a kid that was never published", async () => {
    const stray = await token({ kid: "es-1", header: { kid: "no-such-kid" } });
    expect(await refusal(stray)).toMatchObject({ status: 401, code: "unknown_key" });
  });
});

describe("connect refuses invalid claims", () => {
  const cases: [string, TokenOptions][] = [
    ["a missing sub", { omit: ["sub"] }],
    ["a missing tenant", { omit: ["tenant"] }],
    ["a tenant with bad characters", { tenant: "Acme Corp!" }],
    ["a missing exp", { omit: ["exp"] }],
    ["an unknown scope", { scope: "subscribe superuser" }],
    ["a room grant that is not a list", { claims: { rooms: "lobby" } }],
  ];
  for (const [name, options] of cases) {
    it(`answers 401 invalid_claims for ${name}`, async () => {
      expect(await refusal(await token(options))).toMatchObject({ status: 401, code: "invalid_claims" });
    });
  }
});

describe("connect refuses a token without the right grant", () => {
  it("answers 403 forbidden when the token lacks the subscribe scope", async () => {
    expect(await refusal(await token({ scope: "publish" }))).toMatchObject({ status: 403, code: "forbidden" });
    expect(await refusal(await token({ scope: "presence" }))).toMatchObject({ status: 403, code: "forbidden" });
  });

  it("answers 403 forbidden when the token's rooms do not include the room", async () => {
    const room = freshRoom();
    const t = await token({ rooms: ["lobby", `${room}-other`, `${room}x*`] });
    expect(await refusal(t, room)).toMatchObject({ status: 403, code: "forbidden" });
  });

  it("answers 403 forbidden when the token grants no rooms at all", async () => {
    expect(await refusal(await token({ rooms: [] }))).toMatchObject({ status: 403, code: "forbidden" });
  });

  it("admits a room granted exactly or by a prefix", async () => {
    const room = freshRoom();
    for (const rooms of [[room], ["room-*"], ["lobby", `${room.slice(0, 10)}*`]]) {
      const { welcome } = await welcomeFor(wsPath(room), { authorization: `Bearer ${await token({ rooms })}` });
      expect(welcome.room).toBe(room);
    }
  });
});

describe("connect accepts every configured key", () => {
  for (const kid of ["es-1", "es-2", "rs-1", "ed-1"]) {
    it(`accepts a token signed by ${kid}`, async () => {
      const sub = uniqueSub(kid);
      const { welcome } = await welcomeFor(wsPath(freshRoom()), {
        authorization: `Bearer ${await token({ sub, kid })}`,
      });
      expect(welcome.user).toBe(sub);
    });
  }

  it("accepts the old and the new key during a rotation (es-1 and es-2) in the same room", async () => {
    const room = freshRoom();
    for (const kid of ["es-1", "es-2"]) {
      const { welcome } = await welcomeFor(wsPath(room), { authorization: `Bearer ${await token({ kid })}` });
      expect(welcome.room).toBe(room);
    }
  });

  it("accepts an HS256 token signed with JWT_SECRET", async () => {
    const sub = uniqueSub("hs");
    const { welcome } = await welcomeFor(wsPath(freshRoom()), { authorization: `Bearer ${await token({ sub })}` });
    expect(welcome.user).toBe(sub);
  });
});

describe("connect reads the token from each carrier", () => {
  it("answers the bearer subprotocol offer with broadcast.v1", async () => {
    const sub = uniqueSub("proto");
    const { welcome, protocol } = await welcomeFor(wsPath(freshRoom()), {
      "sec-websocket-protocol": `broadcast.v1, bearer.${await token({ sub })}`,
    });
    expect(welcome.user).toBe(sub);
    expect(protocol).toBe("broadcast.v1");
  });

  it("never echoes the bearer subprotocol, which carries the token", async () => {
    const { protocol } = await welcomeFor(wsPath(freshRoom()), {
      "sec-websocket-protocol": `broadcast.v1, bearer.${await token()}`,
    });
    expect(protocol ?? "").not.toContain("bearer.");
  });

  it("accepts the token from ?access_token", async () => {
    const sub = uniqueSub("query");
    const { welcome } = await welcomeFor(`${wsPath(freshRoom())}?access_token=${await token({ sub })}`, {});
    expect(welcome.user).toBe(sub);
  });

  it("prefers the Authorization header to the subprotocol and the query string", async () => {
    const sub = uniqueSub("header");
    const expired = await token({ expiresIn: -60 });
    const { welcome } = await welcomeFor(`${wsPath(freshRoom())}?access_token=${expired}`, {
      authorization: `Bearer ${await token({ sub })}`,
      "sec-websocket-protocol": `broadcast.v1, bearer.${expired}`,
    });
    expect(welcome.user).toBe(sub);

    const res = await upgrade(`${wsPath(freshRoom())}?access_token=${await token()}`, {
      authorization: `Bearer ${expired}`,
    });
    expect(await errorOf(res)).toMatchObject({ status: 401, code: "token_expired" });
  });

  it("prefers the subprotocol to the query string", async () => {
    const expired = await token({ expiresIn: -60 });
    const res = await upgrade(`${wsPath(freshRoom())}?access_token=${await token()}`, {
      "sec-websocket-protocol": `broadcast.v1, bearer.${expired}`,
    });
    expect(await upgradeOutcome(res)).toMatchObject({ status: 401, code: "token_expired" });
  });
});
