// Token revocation as pure functions: what a revocation matches and how long it must be kept.
import type { Revocation, RevocationBody } from "../protocol.ts";

/** A token as revocations see it: its user's id (the JWT `sub`), and its own id and issue time. */
export type TokenRef = { id: string; jti?: string | undefined; iat?: number | undefined };

/**
 * A token as rooms and the Worker send it to the tenant. The user's id goes under its former name
 * `sub` as well, so a tenant object still running the version before (during a deploy) reads it.
 */
export type SentTokenRef = TokenRef & { sub: string };

export const tokenRefOf = ({ id, jti, iat }: TokenRef): SentTokenRef => ({ id, sub: id, jti, iat });

/** A token as any caller sent it: the version before named the user's id `sub` only. */
export function receivedTokenRef(t: Partial<SentTokenRef>): TokenRef {
  const id = t.id ?? t.sub;
  if (id === undefined) throw new TypeError("a token reference names no user");
  return { id, jti: t.jti, iat: t.iat };
}

/**
 * Tokens live at most `maxLifetime` seconds (enforced at verification), so a revocation can be
 * forgotten once every token it could match has expired.
 */
export function toRevocation(body: RevocationBody, nowSeconds: number, maxLifetime: number): Revocation {
  if ("jti" in body) return { kind: "jti", jti: body.jti, keepUntil: nowSeconds + maxLifetime };
  const before = body.before ?? nowSeconds;
  return { kind: "sub", sub: body.sub, before, keepUntil: before + maxLifetime };
}

/**
 * A sub revocation covers tokens issued at or before `before`: `iat` has one-second resolution, so
 * a token stolen in the second the revocation names is covered too. A token without `iat` counts
 * as issued at the epoch: a sub revocation always covers it.
 */
export function matches(r: Revocation, t: TokenRef): boolean {
  if (r.kind === "jti") return t.jti !== undefined && t.jti === r.jti;
  return r.sub === t.id && (t.iat ?? 0) <= r.before;
}

export function isRevoked(list: readonly Revocation[], t: TokenRef, nowSeconds: number): boolean {
  return list.some((r) => r.keepUntil > nowSeconds && matches(r, t));
}
