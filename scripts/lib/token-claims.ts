// Builds a user token's claims from flag values. Pure: the clock comes in as a parameter.
// The finished claims are checked with the gateway's own schema, so a token this makes is one
// the gateway would read.
import { tokenClaimsSchema } from "../../src/protocol.ts";
import { USER_SCOPES, type UserScope } from "../../src/wire.ts";
import { UsageError } from "./cli.ts";
import { checkTenant } from "./tenant.ts";

export type TokenRequest = {
  tenant: string;
  sub: string;
  scopes: readonly UserScope[];
  /** Exact room names, or prefixes ending in `*`; undefined grants every room of the tenant. */
  rooms?: readonly string[] | undefined;
  ttlSeconds: number;
  /** Token id, so this one token can be revoked (`POST /v1/admin/revocations {"jti"}`). */
  jti: string;
  issuer?: string | undefined;
  audience?: string | undefined;
};

export type UserTokenClaims = {
  sub: string;
  tenant: string;
  iat: number;
  exp: number;
  scope: string;
  jti: string;
  rooms?: string[];
  iss?: string;
  aud?: string;
};

/** `"subscribe publish"` (commas also accepted) -> known, de-duplicated user scopes. */
export function parseUserScopes(text: string, flag = "--scope"): UserScope[] {
  const words = [...new Set(text.split(/[\s,]+/).filter(Boolean))];
  if (words.length === 0) throw new UsageError(`${flag} needs at least one of: ${USER_SCOPES.join(", ")}`);
  const isScope = (w: string): w is UserScope => (USER_SCOPES as readonly string[]).includes(w);
  const unknown = words.filter((w) => !isScope(w));
  if (unknown.length > 0)
    throw new UsageError(`${flag}: unknown scope ${unknown.join(", ")} (allowed: ${USER_SCOPES.join(", ")})`);
  return words.filter(isScope);
}

/** `"lobby,chat-*"` -> room grants; the claims check below validates each one. */
export function parseRooms(text: string): string[] {
  const rooms = [...new Set(text.split(",").map((r) => r.trim()))].filter(Boolean);
  if (rooms.length === 0) throw new UsageError("--rooms needs at least one room (omit it to grant every room)");
  return rooms;
}

export function parseTtl(text: string): number {
  const ttl = /^\d{1,9}$/.test(text) ? Number(text) : Number.NaN;
  if (!(ttl > 0)) throw new UsageError(`--ttl must be a positive whole number of seconds, got "${text}"`);
  return ttl;
}

// Which flag to blame when the gateway's schema refuses a claim.
const FLAG_OF: Record<string, string> = {
  sub: "--sub",
  tenant: "--tenant",
  scope: "--scope",
  rooms: "--rooms",
  exp: "--ttl",
};

export function buildClaims(req: TokenRequest, nowSeconds: number): UserTokenClaims {
  checkTenant(req.tenant);
  const claims: UserTokenClaims = {
    sub: req.sub,
    tenant: req.tenant,
    iat: nowSeconds,
    exp: nowSeconds + req.ttlSeconds,
    scope: req.scopes.join(" "),
    jti: req.jti,
  };
  if (req.rooms !== undefined) claims.rooms = [...req.rooms];
  if (req.issuer !== undefined) claims.iss = req.issuer;
  if (req.audience !== undefined) claims.aud = req.audience;
  const checked = tokenClaimsSchema.safeParse(claims);
  if (!checked.success) {
    const problems = checked.error.issues.map((i) => {
      const [field = "claims", index] = i.path;
      const entry = typeof index === "number" ? ` "${claims.rooms?.[index]}"` : "";
      return `${FLAG_OF[String(field)] ?? String(field)}${entry}: ${i.message}`;
    });
    throw new UsageError(problems.join("; "));
  }
  return claims;
}
