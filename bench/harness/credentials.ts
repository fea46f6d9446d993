// Fresh credentials for each run, made in-process: the gateway gets a random JWT_SECRET and one
// API key record (hash only); the load generator keeps the key and signs subscriber tokens.
import { randomBytes } from "node:crypto";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { formatApiKey, formatOperatorKey } from "../../src/auth/api-key-format.ts";
import type { ApiKeyRecord, OperatorKeyRecord } from "../../src/protocol.ts";
import { sha256Hex } from "../../src/sha256.ts";

export const BENCH_TENANT = "bench";
/** The run's SHARD_PLACEMENT_KEY: the servers place users with it, and the load generator picks users by it. */
export const BENCH_PLACEMENT_KEY = randomBytes(32).toString("base64url");
const API_KEY_ID = "bench";
const TOKEN_TTL_SECONDS = 3_600;
/** The user of the socket that publishes over WebSocket; no subscriber is called this. */
const PUBLISHER = "publisher";

export type BenchCredentials = {
  jwtSecret: string;
  apiKey: string;
  /** A user token with scope `subscribe publish`, for the socket that publishes over WebSocket. */
  publisherToken: string;
  /** The gateway's secrets, as wrangler reads them from `--env-file`. */
  secrets: Record<string, string>;
  /** The run's ES256 key: signs the subscribers' tokens of targets whose keys are `jwks` or `runtime`. */
  signing: Signing;
  /** An operator key, and the secrets that hold its record and the public key (target-specs `keys`). */
  operatorKey: string;
  keySecrets: { jwks: Record<string, string>; runtime: Record<string, string> };
};

type Signing = { kid: string; publicJwk: JWK; privateKey: CryptoKey };

const SIGNING_KID = "bench-es256";
const OPERATOR_KEY_ID = "bench";

export async function makeCredentials(): Promise<BenchCredentials> {
  const jwtSecret = randomBytes(32).toString("base64url");
  const apiKey = formatApiKey(API_KEY_ID, randomBytes(24).toString("base64url"));
  const record: ApiKeyRecord = {
    id: API_KEY_ID,
    tenant: BENCH_TENANT,
    // admin: the bench reads a room's layout (GET /v1/admin/rooms/{room}) to check where sockets landed.
    scopes: ["publish", "admin"],
    hash: await sha256Hex(apiKey),
  };
  const { publicKey, privateKey } = await generateKeyPair("ES256");
  const publicJwk = { ...(await exportJWK(publicKey)), kid: SIGNING_KID, alg: "ES256" };
  const operatorKey = formatOperatorKey(OPERATOR_KEY_ID, randomBytes(24).toString("base64url"));
  const operatorRecord: OperatorKeyRecord = { id: OPERATOR_KEY_ID, hash: await sha256Hex(operatorKey) };
  return {
    jwtSecret,
    apiKey,
    publisherToken: await signToken(jwtSecret, PUBLISHER, "subscribe publish"),
    secrets: { JWT_SECRET: jwtSecret, API_KEYS: JSON.stringify([record]), SHARD_PLACEMENT_KEY: BENCH_PLACEMENT_KEY },
    signing: { kid: SIGNING_KID, publicJwk, privateKey },
    operatorKey,
    keySecrets: {
      // Bound to the bench tenant, as a key registered through the operator API is.
      jwks: { JWT_JWKS: JSON.stringify({ keys: [{ ...publicJwk, tenant: BENCH_TENANT }] }) },
      runtime: { OPERATOR_KEYS: JSON.stringify([operatorRecord]) },
    },
  };
}

/**
 * Who a subscriber connects as: its user (in a sharded room, the user decides the shard), its HS256
 * token, and (when the run has a target whose keys are `jwks` or `runtime`) its ES256 token.
 */
export type Subscriber = { sub: string; token: string; esToken?: string };

/**
 * One subscribe-only token per `sub` (and one ES256 token with `signing`), as real clients would
 * be (the connect limiter and the user tags are per sub). Signed before any timing starts.
 */
export async function mintSubscribers(
  jwtSecret: string,
  subs: readonly string[],
  signing?: Signing,
): Promise<Subscriber[]> {
  const out: Subscriber[] = [];
  for (const sub of subs) {
    const token = await signToken(jwtSecret, sub, "subscribe");
    out.push(signing === undefined ? { sub, token } : { sub, token, esToken: await signEs256(signing, sub) });
  }
  return out;
}

function claims(sub: string, scope: string): SignJWT {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ tenant: BENCH_TENANT, scope })
    .setSubject(sub)
    .setIssuedAt(now)
    .setExpirationTime(now + TOKEN_TTL_SECONDS);
}

function signToken(jwtSecret: string, sub: string, scope: string): Promise<string> {
  return claims(sub, scope).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode(jwtSecret));
}

function signEs256(signing: Signing, sub: string): Promise<string> {
  return claims(sub, "subscribe").setProtectedHeader({ alg: "ES256", kid: signing.kid }).sign(signing.privateKey);
}

/** Subscriber k of `list`, wrapping around (a list as long as the largest session never wraps). */
export function cycling(list: readonly Subscriber[]): (k: number) => Subscriber {
  return (k) => {
    const s = list[k % list.length];
    if (s === undefined) throw new Error("no subscribers minted");
    return s;
  };
}

/** The k-th bench user. */
export const numberedSub = (k: number) => `sub-${k}`;

/** Users `sub-0` … `sub-<count-1>`, one per subscriber index. */
export const numberedSubs = (count: number) => Array.from({ length: count }, (_, k) => numberedSub(k));

/** One dotenv line; single quotes keep JSON literal, so a value may hold neither `'` nor a newline. */
export function dotenv(secrets: Record<string, string>): string {
  return Object.entries(secrets)
    .map(([name, value]) => {
      if (/['\r\n]/.test(value)) throw new Error(`${name} cannot be written to a dotenv file verbatim`);
      return `${name}='${value}'\n`;
    })
    .join("");
}
