// verifyUserToken with signing keys tenants registered through the operator API (RuntimeKeys): they
// are asked only when the configured keys have none for a token, verify only their own tenant's
// tokens under their own algorithm, and a token they verified stays cached only while they do.
import { exportJWK, generateKeyPair, importJWK, type JWTPayload, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { type RuntimeKeys, verifyUserToken } from "../../src/auth/jwt.ts";
import { type Config, parseConfig } from "../../src/config.ts";

const SECRET = "unit-test-secret-0123456789abcdef";
const T = 1_800_000_000;
const at = (seconds: number) => new Date(seconds * 1000);
const claims = (tenant: string, sub = "alice"): JWTPayload => ({ sub, tenant, iat: T, exp: T + 600 });

type Registered = { tenant: string; kid: string; key: CryptoKey; fingerprint: string };

/** RuntimeKeys over a fixed list, recording every question. */
function runtimeOf(registered: Registered[]) {
  const asked: string[] = [];
  let held = true;
  const keys: RuntimeKeys = {
    find: async (tenant, kid) => {
      asked.push(`find ${tenant}/${kid}`);
      const r = registered.find((k) => k.tenant === tenant && k.kid === kid);
      return r && { key: r.key, alg: "ES256", fingerprint: r.fingerprint };
    },
    holds: async (tenant, fingerprint) => {
      asked.push(`holds ${tenant}/${fingerprint}`);
      return held;
    },
  };
  return { keys, asked, drop: () => (held = false) };
}

async function codeOf(config: Config, token: string, runtime: RuntimeKeys): Promise<string> {
  try {
    await verifyUserToken(config, token, at(T), undefined, runtime);
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
  return "accepted";
}

describe("registered signing keys", () => {
  let pair: CryptoKeyPair;
  let registered: Registered;
  const es256 = (payload: JWTPayload, kid = "tenant-key", key = pair.privateKey) =>
    new SignJWT(payload).setProtectedHeader({ alg: "ES256", kid }).sign(key);

  beforeAll(async () => {
    pair = await generateKeyPair("ES256", { extractable: true });
    const key = (await importJWK({ ...(await exportJWK(pair.publicKey)), alg: "ES256" }, "ES256")) as CryptoKey;
    registered = { tenant: "t1", kid: "tenant-key", key, fingerprint: "fp-1" };
  });

  it("verify their tenant's token when only JWT_SECRET is configured", async () => {
    const config = parseConfig({ JWT_SECRET: SECRET });
    const { keys, asked } = runtimeOf([registered]);
    await expect(verifyUserToken(config, await es256(claims("t1")), at(T), undefined, keys)).resolves.toMatchObject({
      id: "alice",
      tenant: "t1",
    });
    expect(asked).toEqual(["find t1/tenant-key"]);
  });

  it("are not asked about a token the configured keys verify", async () => {
    const config = parseConfig({ JWT_SECRET: SECRET });
    const { keys, asked } = runtimeOf([registered]);
    const hs = await new SignJWT(claims("t1"))
      .setProtectedHeader({ alg: "HS256" })
      .sign(new TextEncoder().encode(SECRET));
    expect(await codeOf(config, hs, keys)).toBe("accepted");
    expect(asked).toEqual([]);
  });

  it("never verify another tenant's token, which keeps the configured keys' answer", async () => {
    const config = parseConfig({ JWT_SECRET: SECRET });
    const { keys, asked } = runtimeOf([registered]);
    expect(await codeOf(config, await es256(claims("t2", "mallory")), keys)).toBe("invalid_algorithm");
    expect(asked).toEqual(["find t2/tenant-key"]);
  });

  it("verify only under their own algorithm (no HS256 token 'signed' with a public key)", async () => {
    const config = parseConfig({
      JWT_JWKS: JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: "other" }] }),
    });
    const { keys } = runtimeOf([registered]);
    const forged = await new SignJWT(claims("t1"))
      .setProtectedHeader({ alg: "HS256", kid: "tenant-key" })
      .sign(new TextEncoder().encode("whatever-secret-whatever-secret!"));
    expect(await codeOf(config, forged, keys)).toBe("invalid_algorithm");
  });

  it("may share a kid with a JWT_JWKS key bound to another tenant", async () => {
    const other = await generateKeyPair("ES256", { extractable: true });
    const bound = { ...(await exportJWK(other.publicKey)), kid: "tenant-key", alg: "ES256", tenant: "elsewhere" };
    const config = parseConfig({ JWT_JWKS: JSON.stringify({ keys: [bound] }) });
    const { keys } = runtimeOf([registered]);
    expect(await codeOf(config, await es256(claims("t1")), keys)).toBe("accepted");
    expect(await codeOf(config, await es256(claims("t3")), keys)).toBe("invalid_claims");
  });

  it("keep a token they verified in the cache only while the key stays registered", async () => {
    const config = parseConfig({ JWT_SECRET: SECRET, JWT_ISSUER: "cache-test" });
    const { keys, asked, drop } = runtimeOf([registered]);
    const token = await es256({ ...claims("t1"), iss: "cache-test" });
    expect(await codeOf(config, token, keys)).toBe("accepted");
    expect(await codeOf(config, token, keys)).toBe("accepted");
    expect(asked).toEqual(["find t1/tenant-key", "holds t1/fp-1"]);
    drop();
    const gone = runtimeOf([]);
    expect(await codeOf(config, token, { ...gone.keys, holds: keys.holds })).toBe("invalid_algorithm");
  });
});
