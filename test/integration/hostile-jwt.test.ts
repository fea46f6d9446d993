// JWT attacks against every token carrier: each forged, confused, stale or oversized token is refused
// with 401 and one precise code, on the WebSocket connect (header, subprotocol, query) and on publish.
import { env } from "cloudflare:workers";
import { exportJWK, exportSPKI, generateKeyPair, importJWK, type JWK, type JWTPayload, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { verifyUserToken } from "../../src/auth/jwt.ts";
import { parseConfig } from "../../src/config.ts";
import { MAX_TOKEN_BYTES } from "../../src/wire.ts";
import {
  errorOf,
  freshRoom,
  publishHttp,
  TestSocket,
  upgrade,
  upgradeOutcome,
  WARM_UP_MS,
  warmUp,
} from "../support/gateway.ts";
import { claimsFor, forgeToken, nowSeconds, signToken, type TokenOptions, uniqueSub } from "../support/tokens.ts";

beforeAll(warmUp, WARM_UP_MS);

const MAX_TOKEN_CHARS = MAX_TOKEN_BYTES;
const enc = new TextEncoder();

// ---- token makers --------------------------------------------------------------------------------

const b64url = (data: string | Uint8Array) =>
  btoa(String.fromCharCode(...(typeof data === "string" ? enc.encode(data) : data)))
    .replace(/=+$/, "")
    .replace(/\+/g, "-")
    .replace(/\//g, "_");

const claims = (extra: JWTPayload = {}) => claimsFor({ sub: uniqueSub("jwt"), claims: extra });
const hs = (o: TokenOptions = {}) => signToken({ sub: uniqueSub("jwt"), ...o });
const byKey = (kid: string, o: TokenOptions = {}) => signToken({ sub: uniqueSub("jwt"), kid, ...o });

/** HS256 over any header and any payload segment, keyed with `secret` (default the gateway's). */
async function hmacToken(header: object, payloadSegment: string, secret = env.JWT_SECRET ?? "") {
  const key = await crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const signingInput = `${b64url(JSON.stringify(header))}.${payloadSegment}`;
  return `${signingInput}.${b64url(new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(signingInput))))}`;
}

function publicJwk(kid: string): JWK {
  const jwk = (JSON.parse(env.JWT_JWKS ?? "{}") as { keys: JWK[] }).keys.find((k) => k.kid === kid);
  if (jwk === undefined) throw new Error(`no public key ${kid}`);
  return jwk;
}

async function publicPem(kid: string): Promise<string> {
  const jwk = publicJwk(kid);
  const key = await importJWK(jwk, String(jwk.alg));
  if (key instanceof Uint8Array) throw new Error(`${kid} is not an asymmetric key`);
  return exportSPKI(key);
}

/** HS256 "signed" with public key material as the HMAC secret: the classic alg-confusion forgery. */
const confused = async (secret: string, header: object = {}) =>
  new SignJWT(claims()).setProtectedHeader({ alg: "HS256", ...header }).sign(enc.encode(secret));

/** Signed by a key the gateway has never seen, under any kid. */
async function strangerToken(alg: "ES256" | "RS256" | "EdDSA", header: Record<string, unknown>) {
  const { privateKey } = await generateKeyPair(alg);
  return new SignJWT(claims()).setProtectedHeader({ alg, ...header }).sign(privateKey);
}

/** Keeps a real token's header and signature and swaps its claims. */
async function withClaims(token: Promise<string>, replacement: JWTPayload) {
  const [header, , signature] = (await token).split(".");
  return `${header}.${b64url(JSON.stringify(replacement))}.${signature}`;
}

/** A valid HS256 token of exactly `length` characters, padded through a claim and the header. */
async function tokenOfLength(length: number): Promise<string> {
  const sub = uniqueSub("long");
  for (const header of [{}, { typ: "JWT" }, { kid: "k" }, { kid: "kk" }]) {
    const probe = await signToken({ sub, header, claims: { pad: "" } });
    const estimate = Math.floor(((length - probe.length) * 3) / 4);
    for (let pad = Math.max(0, estimate - 3); pad <= estimate + 3; pad++) {
      const token = await signToken({ sub, header, claims: { pad: "p".repeat(pad) } });
      if (token.length === length) return token;
    }
  }
  throw new Error(`no token of exactly ${length} characters`);
}

// ---- carriers ------------------------------------------------------------------------------------

type Carrier = "header" | "subprotocol" | "query" | "publish";
const ALL_CARRIERS: readonly Carrier[] = ["header", "subprotocol", "query", "publish"];

function present(token: string, via: Carrier, room: string): Promise<Response> {
  const ws = `/v1/rooms/${room}/ws`;
  switch (via) {
    case "header":
      return upgrade(ws, { authorization: `Bearer ${token}` });
    case "subprotocol":
      return upgrade(ws, { "sec-websocket-protocol": `broadcast.v1, bearer.${token}` });
    case "query":
      return upgrade(`${ws}?access_token=${encodeURIComponent(token)}`);
    case "publish":
      return publishHttp(room, token, { event: "e", payload: 1 });
  }
}

/** What each carrier answers: `101 welcome`, `202 published`, or the status and error code. */
async function outcomes(token: string, carriers: readonly Carrier[] = ALL_CARRIERS) {
  return Promise.all(
    carriers.map(async (via) => {
      // The subprotocol carrier offers broadcast.v1, so its refusals arrive in the socket.
      const { status, code } = await upgradeOutcome(await present(token, via, freshRoom()));
      return `${via}: ${status} ${code}`;
    }),
  );
}

const refusedEverywhere = (code: string, carriers: readonly Carrier[] = ALL_CARRIERS) =>
  carriers.map((via) => `${via}: 401 ${code}`);

async function connects(token: string): Promise<boolean> {
  return (await outcomes(token, ["header"]))[0] === "header: 101 welcome";
}

type Attack = { name: string; token: () => Promise<string> | string; code: string; carriers?: readonly Carrier[] };

function refuses(attacks: readonly Attack[]) {
  for (const a of attacks) {
    it(`refuses ${a.name} with 401 ${a.code}`, async () => {
      expect(await outcomes(await a.token(), a.carriers)).toEqual(refusedEverywhere(a.code, a.carriers));
    });
  }
}

// ---- attacks -------------------------------------------------------------------------------------

describe('alg "none"', () => {
  refuses([
    {
      name: "alg none with an empty signature part",
      token: () => forgeToken({ alg: "none" }, claims()),
      code: "invalid_algorithm",
    },
    {
      name: "alg none with a signature part",
      token: () => forgeToken({ alg: "none" }, claims(), "c2ln"),
      code: "invalid_algorithm",
    },
    {
      name: "alg none carrying a real HS256 signature",
      token: async () => forgeToken({ alg: "none" }, claims(), (await hs()).split(".")[2] ?? ""),
      code: "invalid_algorithm",
    },
    {
      name: "alg none naming a real kid",
      token: () => forgeToken({ alg: "none", kid: "es-1" }, claims()),
      code: "invalid_algorithm",
    },
    { name: "alg NONE", token: () => forgeToken({ alg: "NONE" }, claims()), code: "invalid_algorithm" },
    { name: "alg nOnE", token: () => forgeToken({ alg: "nOnE" }, claims()), code: "invalid_algorithm" },
    {
      name: "alg none without the trailing dot",
      token: () => forgeToken({ alg: "none" }, claims()).slice(0, -1),
      code: "invalid_token",
    },
  ]);
});

describe("algorithm confusion (JWT_SECRET is set, so HS256 verifies only with the secret)", () => {
  refuses([
    {
      name: "HS256 keyed with the RSA public key PEM (kid rs-1)",
      token: async () => confused(await publicPem("rs-1"), { kid: "rs-1" }),
      code: "invalid_signature",
    },
    {
      name: "HS256 keyed with the RSA public JWK JSON",
      token: () => confused(JSON.stringify(publicJwk("rs-1")), { kid: "rs-1" }),
      code: "invalid_signature",
    },
    {
      name: "HS256 keyed with the RSA modulus text",
      token: () => confused(String(publicJwk("rs-1").n)),
      code: "invalid_signature",
    },
    {
      name: "HS256 keyed with the EC public key PEM (kid es-1)",
      token: async () => confused(await publicPem("es-1"), { kid: "es-1" }),
      code: "invalid_signature",
    },
    {
      name: "HS256 keyed with the Ed25519 public key PEM",
      token: async () => confused(await publicPem("ed-1"), { kid: "ed-1" }),
      code: "invalid_signature",
    },
    {
      name: "HS256 keyed with the whole published JWKS",
      token: () => confused(env.JWT_JWKS ?? ""),
      code: "invalid_signature",
    },
    {
      name: "RS256 whose signature is an HMAC with the RSA public PEM",
      token: async () => {
        const t = await confused(await publicPem("rs-1"));
        const [, p, s] = t.split(".");
        return `${b64url(JSON.stringify({ alg: "RS256", kid: "rs-1" }))}.${p}.${s}`;
      },
      code: "invalid_signature",
    },
    {
      name: "HS384 signed with the real secret",
      token: async () => new SignJWT(claims()).setProtectedHeader({ alg: "HS384" }).sign(enc.encode(env.JWT_SECRET)),
      code: "invalid_algorithm",
    },
    {
      name: "HS512 signed with the real secret",
      token: async () => new SignJWT(claims()).setProtectedHeader({ alg: "HS512" }).sign(enc.encode(env.JWT_SECRET)),
      code: "invalid_algorithm",
    },
    {
      name: "an es-1 token relabelled ES384",
      token: async () => {
        const [, p, s] = (await byKey("es-1")).split(".");
        return `${b64url(JSON.stringify({ alg: "ES384", kid: "es-1" }))}.${p}.${s}`;
      },
      code: "invalid_algorithm",
    },
    {
      name: "PS256 naming rs-1",
      token: () => forgeToken({ alg: "PS256", kid: "rs-1" }, claims(), "c2ln"),
      code: "invalid_algorithm",
    },
    {
      name: 'alg "Ed25519" (not the configured "EdDSA") naming ed-1',
      token: () => forgeToken({ alg: "Ed25519", kid: "ed-1" }, claims(), "c2ln"),
      code: "invalid_algorithm",
    },
  ]);
});

describe("kid tricks (ES256 tokens validly signed by es-1 under another kid)", () => {
  const kid = (value: unknown) => () => byKey("es-1", { header: { kid: value } });
  refuses([
    { name: "kid ../../etc/passwd", token: kid("../../etc/passwd"), code: "unknown_key" },
    { name: "kid es-1/../rs-1", token: kid("es-1/../rs-1"), code: "unknown_key" },
    { name: "kid es-1 followed by NUL", token: kid("es-1\u0000"), code: "unknown_key" },
    { name: "kid NUL", token: kid("\u0000"), code: "unknown_key" },
    { name: "kid ES-1 (case)", token: kid("ES-1"), code: "unknown_key" },
    { name: "kid with a leading space", token: kid(" es-1"), code: "unknown_key" },
    { name: "a 4,000-character kid", token: kid("k".repeat(4000)), code: "unknown_key" },
    { name: "a kid so long the token passes 8 KiB", token: kid("k".repeat(7000)), code: "invalid_token" },
    { name: "a numeric kid", token: kid(1), code: "unknown_key" },
    { name: "an object kid", token: kid({ kid: "es-1" }), code: "unknown_key" },
    { name: "a list kid", token: kid(["es-1"]), code: "unknown_key" },
    { name: "kid naming the RSA key", token: kid("rs-1"), code: "unknown_key" },
    { name: "kid naming the Ed25519 key", token: kid("ed-1"), code: "unknown_key" },
    { name: "kid naming the HMAC secret", token: kid("JWT_SECRET"), code: "unknown_key" },
    { name: "kid naming an HS key", token: kid("hs256"), code: "unknown_key" },
    { name: "no kid while two ES256 keys are published (ambiguous)", token: kid(undefined), code: "unknown_key" },
  ]);

  it("never uses kid to pick the HMAC key: an HS256 token signed with the secret verifies whatever its kid", async () => {
    expect(await connects(await hs({ header: { kid: "../../etc/passwd" } }))).toBe(true);
  });

  it("accepts a token without kid when exactly one published key fits its algorithm (ed-1)", async () => {
    expect(await connects(await byKey("ed-1", { header: { kid: undefined } }))).toBe(true);
  });
});

describe("keys the gateway does not have", () => {
  refuses([
    { name: "a key rotated out of the JWKS (es-retired)", token: () => byKey("es-retired"), code: "unknown_key" },
    {
      name: "a stranger's ES256 key under kid es-1",
      token: () => strangerToken("ES256", { kid: "es-1" }),
      code: "invalid_signature",
    },
    {
      name: "a stranger's ES256 key under kid es-2",
      token: () => strangerToken("ES256", { kid: "es-2" }),
      code: "invalid_signature",
    },
    {
      name: "a stranger's RS256 key under kid rs-1",
      token: () => strangerToken("RS256", { kid: "rs-1" }),
      code: "invalid_signature",
    },
    {
      name: "a stranger's Ed25519 key under kid ed-1",
      token: () => strangerToken("EdDSA", { kid: "ed-1" }),
      code: "invalid_signature",
    },
    {
      name: "a stranger's key under its own kid",
      token: () => strangerToken("ES256", { kid: "attacker" }),
      code: "unknown_key",
    },
    {
      name: "a stranger's key embedded as jwk, kid es-1",
      token: async () => {
        const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
        return new SignJWT(claims())
          .setProtectedHeader({ alg: "ES256", kid: "es-1", jwk: await exportJWK(publicKey) })
          .sign(privateKey);
      },
      code: "invalid_signature",
    },
    {
      name: "a stranger's key announced by jku, kid es-1",
      token: () => strangerToken("ES256", { kid: "es-1", jku: "https://evil.test/jwks.json" }),
      code: "invalid_signature",
    },
    {
      name: "HS256 signed with another secret",
      token: () => confused("a-different-secret-of-at-least-32-chars"),
      code: "invalid_signature",
    },
    {
      name: "a valid es-1 token moved to another tenant",
      token: () => withClaims(byKey("es-1"), claims({ tenant: "globex" })),
      code: "invalid_signature",
    },
    {
      name: "a valid HS256 token granted more scopes",
      token: () => withClaims(hs(), claims({ scope: "subscribe publish presence" })),
      code: "invalid_signature",
    },
  ]);
});

describe("the validity window (clock tolerance 5 s)", () => {
  refuses([
    {
      name: "a token expired one second beyond the tolerance (exp = now - 6)",
      token: () => hs({ expiresIn: -6 }),
      code: "token_expired",
    },
    {
      name: "a token expired exactly the tolerance ago (exp = now - 5)",
      token: () => hs({ expiresIn: -5 }),
      code: "token_expired",
    },
    {
      name: "a token that expired long ago (exp = -1)",
      token: () => hs({ claims: { exp: -1 } }),
      code: "token_expired",
    },
    {
      name: "nbf a minute in the future",
      token: () => hs({ claims: { nbf: nowSeconds() + 60 } }),
      code: "token_not_yet_valid",
    },
    {
      name: "iat a minute in the future",
      token: () => hs({ claims: { iat: nowSeconds() + 60 } }),
      code: "token_not_yet_valid",
    },
    {
      name: "exp that is not a number",
      token: () => hmacToken({ alg: "HS256" }, b64url(JSON.stringify({ ...claims(), exp: "soon" }))),
      code: "invalid_claims",
    },
    {
      name: "exp beyond float64 (1e400)",
      token: () => hmacToken({ alg: "HS256" }, b64url(`{"sub":"${uniqueSub()}","tenant":"acme","exp":1e400}`)),
      code: "invalid_claims",
    },
    { name: "a fractional exp", token: () => hs({ claims: { exp: nowSeconds() + 60.5 } }), code: "invalid_claims" },
    { name: "no exp", token: () => hs({ omit: ["exp"] }), code: "invalid_claims" },
    {
      name: "a lifetime beyond MAX_TOKEN_LIFETIME_SECONDS",
      token: () => hs({ expiresIn: 30 * 24 * 3600 }),
      code: "invalid_claims",
    },
    {
      name: "iat that is not a number",
      token: () => hmacToken({ alg: "HS256" }, b64url(JSON.stringify({ ...claims(), iat: "now" }))),
      code: "invalid_claims",
    },
  ]);

  it("accepts a token that expired 3 s ago, within the tolerance", async () => {
    expect(await connects(await hs({ expiresIn: -3 }))).toBe(true);
  });

  it("accepts nbf 3 s in the future, within the tolerance", async () => {
    expect(await connects(await hs({ claims: { nbf: nowSeconds() + 3 } }))).toBe(true);
  });

  // BUG (reported): jose flags a non-numeric nbf as claim "nbf", reason "invalid", and toGatewayError
  // maps every nbf failure to token_not_yet_valid — telling the client to wait for a token that will
  // never become valid. exp and iat of the wrong type give invalid_claims.
  it("refuses an nbf that is not a number with 401 invalid_claims, like exp and iat", async () => {
    const token = await hmacToken({ alg: "HS256" }, b64url(JSON.stringify({ ...claims(), nbf: "tomorrow" })));
    expect(await outcomes(token)).toEqual(refusedEverywhere("invalid_claims"));
  });
});

describe("claims with illegal values", () => {
  const tenant = (value: unknown) => () => hs({ claims: { tenant: value } as JWTPayload });
  refuses([
    { name: "tenant ACME (upper case)", token: tenant("ACME"), code: "invalid_claims" },
    { name: "tenant acme/evil", token: tenant("acme/evil"), code: "invalid_claims" },
    { name: "tenant 'a b'", token: tenant("a b"), code: "invalid_claims" },
    { name: "a 65-character tenant", token: tenant("a".repeat(65)), code: "invalid_claims" },
    { name: "an empty tenant", token: tenant(""), code: "invalid_claims" },
    { name: "tenant ../acme", token: tenant("../acme"), code: "invalid_claims" },
    { name: "tenant acmé", token: tenant("acmé"), code: "invalid_claims" },
    { name: "tenant acme + NUL", token: tenant("acme\u0000"), code: "invalid_claims" },
    { name: "a numeric tenant", token: tenant(1), code: "invalid_claims" },
    { name: "a null tenant", token: tenant(null), code: "invalid_claims" },
    { name: "a list tenant", token: tenant(["acme"]), code: "invalid_claims" },
    { name: "an empty sub", token: () => hs({ sub: "" }), code: "invalid_claims" },
    { name: "a 201-character sub", token: () => hs({ sub: "s".repeat(201) }), code: "invalid_claims" },
    {
      name: "a numeric sub",
      token: () => hmacToken({ alg: "HS256" }, b64url(JSON.stringify({ ...claims(), sub: 5 }))),
      code: "invalid_claims",
    },
    { name: "an unknown scope", token: () => hs({ scope: "subscribe admin" }), code: "invalid_claims" },
    { name: "rooms that are not a list", token: () => hs({ claims: { rooms: "lobby" } }), code: "invalid_claims" },
  ]);

  it("accepts a tenant of exactly 64 legal characters", async () => {
    expect(await connects(await hs({ tenant: `${"a".repeat(60)}-_09` }))).toBe(true);
  });

  // A sub becomes the socket tag `u:<sub>`, which the runtime caps at 256 UTF-8 bytes: the claim is
  // limited in bytes, so a long non-ASCII sub is a clear 401, never a 500 from acceptWebSocket.
  it("accepts a sub of exactly 200 UTF-8 bytes", async () => {
    expect(await outcomes(await hs({ sub: "é".repeat(100) }), ["header"])).toEqual(["header: 101 welcome"]);
  });

  for (const [name, sub] of [
    ["128 × é (256 UTF-8 bytes)", "é".repeat(128)],
    ["200 × 😀", "😀".repeat(200)],
    ["201 ASCII characters", "a".repeat(201)],
  ] as const) {
    it(`refuses a sub of ${name} with invalid_claims`, async () => {
      const res = await upgrade(`/v1/rooms/${freshRoom()}/ws`, { authorization: `Bearer ${await hs({ sub })}` });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: "invalid_claims" } });
    });
  }

  it("lets a __proto__ claim grant nothing: the token keeps the default scope", async () => {
    const proto = await hmacToken(
      { alg: "HS256" },
      b64url(
        `{"sub":"${uniqueSub()}","tenant":"acme","exp":${nowSeconds() + 60},"__proto__":{"scope":"subscribe publish"}}`,
      ),
    );
    const res = await upgrade(`/v1/rooms/${freshRoom()}/ws`, { authorization: `Bearer ${proto}` });
    if (res.webSocket === null) throw new Error(`refused: ${res.status}`);
    const socket = new TestSocket(res.webSocket);
    await socket.nextOfType("welcome");
    socket.send({ type: "publish", event: "e", payload: 1, ref: "p" });
    expect(await socket.nextOfType("error")).toMatchObject({ code: "forbidden", ref: "p" });
    socket.close();
    expect(({} as Record<string, unknown>).scope).toBeUndefined();
  });
});

describe("oversize tokens (limit 8 KiB)", () => {
  it(`accepts a valid token of exactly ${MAX_TOKEN_CHARS} characters over every connect carrier`, async () => {
    const token = await tokenOfLength(MAX_TOKEN_CHARS);
    expect(await outcomes(token, ["header", "subprotocol", "query"])).toEqual([
      "header: 101 welcome",
      "subprotocol: 101 welcome",
      "query: 101 welcome",
    ]);
  });

  refuses([
    {
      name: `a valid token of ${MAX_TOKEN_CHARS + 1} characters`,
      token: () => tokenOfLength(MAX_TOKEN_CHARS + 1),
      code: "invalid_token",
    },
    {
      name: "a valid token of 100 KB",
      token: () => hs({ claims: { pad: "p".repeat(75_000) } }),
      code: "invalid_token",
    },
    {
      name: "1 MB of base64url garbage",
      token: () => `${"a".repeat(500_000)}.${"b".repeat(500_000)}.c`,
      code: "invalid_token",
    },
  ]);
});

describe("malformed structure", () => {
  const h = (header: unknown) => b64url(JSON.stringify(header));
  const body = () => b64url(JSON.stringify(claims()));
  refuses([
    {
      name: "an unknown critical header (crit: [foo])",
      token: () => hmacToken({ alg: "HS256", crit: ["foo"], foo: 1 }, body()),
      code: "invalid_algorithm",
    },
    {
      name: "a registered claim listed as critical (crit: [exp])",
      token: () => hmacToken({ alg: "HS256", crit: ["exp"], exp: 1 }, body()),
      code: "invalid_algorithm",
    },
    {
      name: "crit that is not a list",
      token: () => hmacToken({ alg: "HS256", crit: "foo" }, body()),
      code: "invalid_token",
    },
    { name: "an empty crit list", token: () => hmacToken({ alg: "HS256", crit: [] }, body()), code: "invalid_token" },
    {
      name: "b64:false (unencoded payload), correctly signed",
      token: () => hmacToken({ alg: "HS256", crit: ["b64"], b64: false }, JSON.stringify(claims())),
      code: "invalid_token",
    },
    {
      name: "b64:false with a forged signature",
      token: () => forgeToken({ alg: "HS256", crit: ["b64"], b64: false }, claims(), "c2ln"),
      code: "invalid_signature",
    },
    {
      name: "a JWE-looking five-part token (RSA-OAEP)",
      token: () => `${h({ alg: "RSA-OAEP", enc: "A256GCM" })}.a.b.c.d`,
      code: "invalid_token",
    },
    {
      name: "a JWE-looking five-part token (dir, empty key part)",
      token: () => `${h({ alg: "dir", enc: "A256GCM" })}..aaaa.bbbb.cccc`,
      code: "invalid_token",
    },
    { name: "four parts", token: async () => `${await hs()}.x`, code: "invalid_token" },
    { name: "two parts", token: async () => (await hs()).split(".").slice(0, 2).join("."), code: "invalid_token" },
    { name: "one part", token: () => "eyJhbGciOiJIUzI1NiJ9", code: "invalid_token" },
    { name: "only dots", token: () => "..", code: "invalid_token" },
    {
      name: "an empty header segment",
      token: async () => {
        const [, p, s] = (await hs()).split(".");
        return `.${p}.${s}`;
      },
      code: "invalid_token",
    },
    {
      name: "an empty payload segment, correctly signed",
      token: () => hmacToken({ alg: "HS256" }, ""),
      code: "invalid_token",
    },
    {
      name: "an empty payload segment, unsigned",
      token: () => `${h({ alg: "HS256" })}..c2ln`,
      code: "invalid_signature",
    },
    {
      name: "an empty signature segment",
      token: async () => `${(await hs()).split(".").slice(0, 2).join(".")}.`,
      code: "invalid_signature",
    },
    { name: "non-base64url garbage in every segment", token: () => "!!!.@@@.###", code: "invalid_token" },
    {
      name: "non-base64url garbage in the signature",
      token: async () => `${(await hs()).split(".").slice(0, 2).join(".")}.%%%`,
      code: "invalid_token",
    },
    {
      name: "non-base64url garbage in the payload",
      token: async () => {
        const [hd, , s] = (await hs()).split(".");
        return `${hd}.%%%.${s}`;
      },
      code: "invalid_signature",
    },
    {
      name: "padded base64",
      token: async () => {
        const [hd, p, s] = (await hs()).split(".");
        return `${hd}==.${p}.${s}`;
      },
      code: "invalid_token",
    },
    {
      name: "the standard base64 alphabet (+ and /)",
      token: async () => (await hs({ header: { kid: "???>>>" } })).replace(/-/g, "+").replace(/_/g, "/"),
      code: "invalid_token",
    },
    { name: "a header that is not JSON", token: () => `${b64url("not json")}.${body()}.c2ln`, code: "invalid_token" },
    {
      name: "a header that is a JSON list",
      token: () => `${h([{ alg: "HS256" }])}.${body()}.c2ln`,
      code: "invalid_token",
    },
    { name: "a header without alg", token: () => forgeToken({ typ: "JWT" }, claims(), "c2ln"), code: "invalid_token" },
    { name: "a numeric alg", token: () => forgeToken({ alg: 256 }, claims(), "c2ln"), code: "invalid_token" },
    { name: "an empty alg", token: () => forgeToken({ alg: "" }, claims(), "c2ln"), code: "invalid_token" },
    {
      name: "a payload that is not JSON, correctly signed",
      token: () => hmacToken({ alg: "HS256" }, b64url("not json")),
      code: "invalid_token",
    },
    {
      name: "a payload that is a JSON list, correctly signed",
      token: () => hmacToken({ alg: "HS256" }, b64url("[]")),
      code: "invalid_token",
    },
    {
      name: "a payload that is JSON null, correctly signed",
      token: () => hmacToken({ alg: "HS256" }, b64url("null")),
      code: "invalid_token",
    },
    { name: "non-ASCII characters", token: () => "é.é.é", code: "invalid_token", carriers: ["header", "publish"] },
  ]);

  it("ignores b64:false when it is not marked critical (RFC 7797), so the token verifies as usual", async () => {
    expect(await connects(await hmacToken({ alg: "HS256", b64: false }, b64url(JSON.stringify(claims()))))).toBe(true);
  });
});

describe("missing or unusable credentials", () => {
  for (const authorization of ["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer a b", "Token abc.def.ghi"]) {
    it(`answers 401 missing_token to "Authorization: ${authorization}"`, async () => {
      const res = await upgrade(`/v1/rooms/${freshRoom()}/ws`, { authorization });
      expect(await errorOf(res)).toMatchObject({ status: 401, code: "missing_token" });
    });
  }
});

describe("issuer and audience (verifyUserToken with JWT_ISSUER and JWT_AUDIENCE set)", () => {
  const T = 1_800_000_000;
  const at = (seconds: number) => new Date(seconds * 1000);
  const config = parseConfig({
    JWT_SECRET: env.JWT_SECRET,
    JWT_JWKS: env.JWT_JWKS,
    JWT_ISSUER: "https://issuer.test",
    JWT_AUDIENCE: "gateway",
  });
  const good = { sub: "alice", tenant: "acme", iat: T, exp: T + 600, iss: "https://issuer.test", aud: "gateway" };
  const sign = (payload: Record<string, unknown>) =>
    new SignJWT(payload).setProtectedHeader({ alg: "HS256" }).sign(enc.encode(env.JWT_SECRET));
  async function codeOf(payload: Record<string, unknown>, now = T): Promise<string> {
    try {
      await verifyUserToken(config, await sign(payload), at(now));
      return "accepted";
    } catch (err) {
      return (err as { code?: string }).code ?? String(err);
    }
  }

  it("accepts the configured issuer and audience, alone or in an audience list", async () => {
    expect(await codeOf(good)).toBe("accepted");
    expect(await codeOf({ ...good, aud: ["other", "gateway"] })).toBe("accepted");
  });

  const { iss: _iss, ...noIss } = good;
  const { aud: _aud, ...noAud } = good;
  const wrong: [string, Record<string, unknown>][] = [
    ["another issuer", { ...good, iss: "https://evil.test" }],
    ["the issuer in upper case", { ...good, iss: "HTTPS://ISSUER.TEST" }],
    ["the issuer with a trailing slash", { ...good, iss: "https://issuer.test/" }],
    ["the issuer as a list", { ...good, iss: ["https://issuer.test"] }],
    ["no issuer", noIss],
    ["another audience", { ...good, aud: "other" }],
    ["an audience list without the gateway", { ...good, aud: ["a", "b"] }],
    ["an empty audience", { ...good, aud: "" }],
    ["the audience with a trailing space", { ...good, aud: "gateway " }],
    ["no audience", noAud],
  ];
  for (const [name, payload] of wrong) {
    it(`refuses ${name} as invalid_claims`, async () => {
      expect(await codeOf(payload)).toBe("invalid_claims");
    });
  }

  it("puts the expiry edge exactly at the 5 s tolerance", async () => {
    expect(await codeOf({ ...good, exp: T - 6 })).toBe("token_expired");
    expect(await codeOf({ ...good, exp: T - 5 })).toBe("token_expired");
    expect(await codeOf({ ...good, exp: T - 4 })).toBe("accepted");
  });

  it("puts the not-before edge exactly at the 5 s tolerance", async () => {
    expect(await codeOf({ ...good, nbf: T + 6 })).toBe("token_not_yet_valid");
    expect(await codeOf({ ...good, nbf: T + 5 })).toBe("accepted");
  });
});
