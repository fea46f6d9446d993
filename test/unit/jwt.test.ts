// verifyUserToken against configurations the test pool does not run with (issuer/audience set,
// JWKS only, zero tolerance), with the clock passed in so tolerance is tested without waiting.
import { exportJWK, exportSPKI, generateKeyPair, type JWTPayload, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { verifyUserToken } from "../../src/auth/jwt.ts";
import { type Config, parseConfig } from "../../src/config.ts";

const SECRET = "unit-test-secret-0123456789abcdef";
const T = 1_800_000_000; // a fixed "now", in epoch seconds
const at = (seconds: number) => new Date(seconds * 1000);
const base: JWTPayload = { sub: "alice", tenant: "acme", iat: T, exp: T + 600 };

const hs256 = (claims: JWTPayload, secret = SECRET) =>
  new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode(secret));

async function codeOf(config: Config, token: string, now = at(T)): Promise<string> {
  try {
    await verifyUserToken(config, token, now);
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
  return "accepted";
}

describe("verifyUserToken with JWT_ISSUER and JWT_AUDIENCE set", () => {
  const config = parseConfig({ JWT_SECRET: SECRET, JWT_ISSUER: "https://issuer.test", JWT_AUDIENCE: "gateway" });
  const good = { ...base, iss: "https://issuer.test", aud: "gateway" };

  it("accepts a token with the configured issuer and audience", async () => {
    await expect(verifyUserToken(config, await hs256(good), at(T))).resolves.toMatchObject({
      kind: "user",
      id: "alice",
      tenant: "acme",
    });
  });

  it("accepts an audience list that contains the configured audience", async () => {
    expect(await codeOf(config, await hs256({ ...good, aud: ["other", "gateway"] }))).toBe("accepted");
  });

  it("refuses a wrong or missing issuer as invalid_claims", async () => {
    expect(await codeOf(config, await hs256({ ...good, iss: "https://evil.test" }))).toBe("invalid_claims");
    const { iss: _iss, ...noIssuer } = good;
    expect(await codeOf(config, await hs256(noIssuer))).toBe("invalid_claims");
  });

  it("refuses a wrong or missing audience as invalid_claims", async () => {
    expect(await codeOf(config, await hs256({ ...good, aud: "someone-else" }))).toBe("invalid_claims");
    const { aud: _aud, ...noAudience } = good;
    expect(await codeOf(config, await hs256(noAudience))).toBe("invalid_claims");
  });

  it("ignores iss and aud when they are not configured", async () => {
    const open = parseConfig({ JWT_SECRET: SECRET });
    expect(await codeOf(open, await hs256({ ...base, iss: "anyone", aud: "anything" }))).toBe("accepted");
  });
});

describe("verifyUserToken clock tolerance (5 s by default)", () => {
  const config = parseConfig({ JWT_SECRET: SECRET });

  it("accepts a token within the tolerance past exp, and refuses it after", async () => {
    const token = await hs256({ ...base, exp: T });
    expect(await codeOf(config, token, at(T + 4))).toBe("accepted");
    expect(await codeOf(config, token, at(T + 6))).toBe("token_expired");
  });

  it("accepts a token up to the tolerance before nbf, and refuses it earlier", async () => {
    const token = await hs256({ ...base, nbf: T + 5 });
    expect(await codeOf(config, token, at(T))).toBe("accepted");
    expect(await codeOf(config, token, at(T - 1))).toBe("token_not_yet_valid");
  });

  it("refuses a token issued further in the future than the tolerance", async () => {
    expect(await codeOf(config, await hs256({ ...base, iat: T + 5 }))).toBe("accepted");
    expect(await codeOf(config, await hs256({ ...base, iat: T + 6 }))).toBe("token_not_yet_valid");
  });

  it("has no slack when the tolerance is 0", async () => {
    const strict = parseConfig({ JWT_SECRET: SECRET, JWT_CLOCK_TOLERANCE_SECONDS: "0" });
    const token = await hs256({ ...base, iat: T - 10, exp: T });
    expect(await codeOf(strict, token, at(T - 1))).toBe("accepted");
    expect(await codeOf(strict, token, at(T + 1))).toBe("token_expired");
    expect(await codeOf(strict, await hs256({ ...base, nbf: T + 1 }))).toBe("token_not_yet_valid");
    expect(await codeOf(strict, await hs256({ ...base, iat: T + 1 }))).toBe("token_not_yet_valid");
  });
});

describe("verifyUserToken claims", () => {
  const config = parseConfig({ JWT_SECRET: SECRET });

  it("defaults the scope to subscribe and the rooms to every room", async () => {
    const p = await verifyUserToken(config, await hs256(base), at(T));
    expect(p.scopes).toEqual(["subscribe"]);
    expect(p.rooms).toBeUndefined();
    expect(p.exp).toBe(T + 600);
  });

  it("reads a space-separated scope and the room grants", async () => {
    const p = await verifyUserToken(
      config,
      await hs256({ ...base, scope: "subscribe  publish presence", rooms: ["lobby", "team:*"] }),
      at(T),
    );
    expect(p.scopes).toEqual(["subscribe", "publish", "presence"]);
    expect(p.rooms).toEqual(["lobby", "team:*"]);
  });

  const invalid: [string, JWTPayload][] = [
    ["a missing sub", { ...base, sub: undefined }],
    ["an empty sub", { ...base, sub: "" }],
    ["a missing tenant", { ...base, tenant: undefined }],
    ["a tenant with upper-case letters", { ...base, tenant: "Acme" }],
    ["a tenant with a slash", { ...base, tenant: "acme/other" }],
    ["a tenant of 65 characters", { ...base, tenant: "a".repeat(65) }],
    ["a missing exp", { ...base, exp: undefined }],
    ["an unknown scope", { ...base, scope: "subscribe admin" }],
    ["a scope that is not a string", { ...base, scope: ["subscribe"] }],
    ["rooms that are not a list", { ...base, rooms: "lobby" }],
    ["a room grant with a bad character", { ...base, rooms: ["lob by"] }],
    ["a room grant with * in the middle", { ...base, rooms: ["a*b"] }],
  ];
  for (const [name, claims] of invalid) {
    it(`refuses ${name} as invalid_claims`, async () => {
      const defined = Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined));
      expect(await codeOf(config, await hs256(defined))).toBe("invalid_claims");
    });
  }

  it("refuses a token that lives longer than MAX_TOKEN_LIFETIME_SECONDS (default one day) as invalid_claims", async () => {
    const day = 86_400;
    expect(await codeOf(config, await hs256({ ...base, exp: T + day }))).toBe("accepted");
    expect(await codeOf(config, await hs256({ ...base, exp: T + day + 60 }))).toBe("invalid_claims");
    const { iat: _iat, ...noIat } = base;
    expect(await codeOf(config, await hs256({ ...noIat, exp: T + day + 60 }))).toBe("invalid_claims");
    const longer = parseConfig({ JWT_SECRET: SECRET, MAX_TOKEN_LIFETIME_SECONDS: String(2 * day) });
    expect(await codeOf(longer, await hs256({ ...base, exp: T + day + 60 }))).toBe("accepted");
  });

  it("refuses a token signed with another secret as invalid_signature", async () => {
    expect(await codeOf(config, await hs256(base, "another-secret-of-32-characters!!"))).toBe("invalid_signature");
  });

  it("refuses malformed and oversized tokens as invalid_token", async () => {
    expect(await codeOf(config, "not-a-jwt")).toBe("invalid_token");
    expect(await codeOf(config, "a.b.c")).toBe("invalid_token");
    expect(await codeOf(config, await hs256({ ...base, pad: "x".repeat(9000) }))).toBe("invalid_token");
  });
});

describe("verifyUserToken algorithm allowlist follows the configured keys", () => {
  let rsaPublicPem: string;
  let jwksOnly: Config;
  let es256Token: string;

  beforeAll(async () => {
    const rsa = await generateKeyPair("RS256", { extractable: true });
    const ec = await generateKeyPair("ES256", { extractable: true });
    rsaPublicPem = await exportSPKI(rsa.publicKey);
    jwksOnly = parseConfig({
      JWT_JWKS: JSON.stringify({
        keys: [
          { ...(await exportJWK(rsa.publicKey)), kid: "rs", alg: "RS256" },
          { ...(await exportJWK(ec.publicKey)), kid: "es", alg: "ES256" },
        ],
      }),
    });
    es256Token = await new SignJWT(base).setProtectedHeader({ alg: "ES256", kid: "es" }).sign(ec.privateKey);
  });

  it("accepts a token from the JWKS", async () => {
    expect(await codeOf(jwksOnly, es256Token)).toBe("accepted");
  });

  it("refuses HS256 when no secret is configured, even keyed with the RSA public key (HS/RS confusion)", async () => {
    const forged = await new SignJWT(base)
      .setProtectedHeader({ alg: "HS256", kid: "rs" })
      .sign(new TextEncoder().encode(rsaPublicPem));
    expect(await codeOf(jwksOnly, forged)).toBe("invalid_algorithm");
  });

  it("refuses an ES256 token when only a secret is configured", async () => {
    expect(await codeOf(parseConfig({ JWT_SECRET: SECRET }), es256Token)).toBe("invalid_algorithm");
  });
});

describe("verifyUserToken with a JWKS key bound to a tenant", () => {
  let config: Config;
  let acmeKey: CryptoKey;
  let sharedKey: CryptoKey;
  const sign = (claims: JWTPayload, kid: string | undefined, key: CryptoKey) =>
    new SignJWT(claims).setProtectedHeader(kid === undefined ? { alg: "ES256" } : { alg: "ES256", kid }).sign(key);

  beforeAll(async () => {
    const acme = await generateKeyPair("ES256", { extractable: true });
    const shared = await generateKeyPair("ES256", { extractable: true });
    acmeKey = acme.privateKey;
    sharedKey = shared.privateKey;
    config = parseConfig({
      JWT_JWKS: JSON.stringify({
        keys: [
          { ...(await exportJWK(acme.publicKey)), kid: "acme-key", alg: "ES256", tenant: "acme" },
          { ...(await exportJWK(shared.publicKey)), kid: "shared-key", alg: "ES256" },
        ],
      }),
    });
  });

  it("accepts a token for its own tenant", async () => {
    expect(await codeOf(config, await sign(base, "acme-key", acmeKey))).toBe("accepted");
  });

  it("refuses a token for another tenant as invalid_claims", async () => {
    expect(await codeOf(config, await sign({ ...base, tenant: "globex" }, "acme-key", acmeKey))).toBe("invalid_claims");
  });

  it("refuses a token without a tenant as invalid_claims", async () => {
    const { tenant: _tenant, ...noTenant } = base;
    expect(await codeOf(config, await sign(noTenant, "acme-key", acmeKey))).toBe("invalid_claims");
  });

  it("refuses a token for another tenant that names no kid, when the bound key is the only candidate", async () => {
    const [acmeOnly] = config.jwks?.keys ?? [];
    const single = parseConfig({ JWT_JWKS: JSON.stringify({ keys: [acmeOnly] }) });
    expect(await codeOf(single, await sign(base, undefined, acmeKey))).toBe("accepted");
    expect(await codeOf(single, await sign({ ...base, tenant: "globex" }, undefined, acmeKey))).toBe("invalid_claims");
  });

  it("leaves a key without a tenant able to sign for every tenant", async () => {
    expect(await codeOf(config, await sign(base, "shared-key", sharedKey))).toBe("accepted");
    expect(await codeOf(config, await sign({ ...base, tenant: "globex" }, "shared-key", sharedKey))).toBe("accepted");
  });
});

describe("verifyUserToken failures that are not the token's fault", () => {
  it("lets a TypeError from a broken configuration through instead of calling the token malformed", async () => {
    // parseConfig never yields this; it stands for a bug that makes jose throw on its options.
    const broken: Config = { ...parseConfig({ JWT_SECRET: SECRET }), clockToleranceSeconds: Number.NaN };
    await expect(verifyUserToken(broken, await hs256(base), at(T))).rejects.toThrow(TypeError);
  });
});

describe("verifyUserToken with a token verified before", () => {
  const config = parseConfig({ JWT_SECRET: SECRET });
  /** Verifies, counting full verifications (each is preceded by the brake). */
  async function verifyCounting(token: string, now: Date, counter: { full: number }) {
    return verifyUserToken(config, token, now, async () => {
      counter.full++;
    });
  }

  it("answers a repeat from the cache: the brake and the full check run once", async () => {
    const token = await hs256({ ...base, jti: "repeat" });
    const counter = { full: 0 };
    const first = await verifyCounting(token, at(T), counter);
    const again = await verifyCounting(token, at(T + 10), counter);
    expect(again).toEqual(first);
    expect(counter.full).toBe(1);
    expect(Object.isFrozen(again)).toBe(true);
  });

  it("checks a token in full again at its exp, and refuses it once past the tolerance", async () => {
    const token = await hs256({ ...base, jti: "expiring" });
    const counter = { full: 0 };
    await verifyCounting(token, at(T), counter);
    await verifyCounting(token, at(T + 600), counter);
    expect(counter.full).toBe(2);
    await expect(verifyCounting(token, at(T + 606), counter)).rejects.toMatchObject({ code: "token_expired" });
  });

  it("never lets a cached token vouch for another: a changed signature is checked and refused", async () => {
    const token = await hs256({ ...base, jti: "tampered" });
    await verifyUserToken(config, token, at(T));
    const tampered = `${token.slice(0, -2)}${token.endsWith("AA") ? "BB" : "AA"}`;
    expect(await codeOf(config, tampered)).toBe("invalid_signature");
  });

  it("refuses a bad token before caching anything, and does so every time", async () => {
    const counter = { full: 0 };
    const bad = await hs256(base, "another-secret-0123456789abcdefgh");
    for (let i = 0; i < 2; i++)
      await expect(verifyCounting(bad, at(T), counter)).rejects.toMatchObject({ code: "invalid_signature" });
    expect(counter.full).toBe(2);
  });
});
