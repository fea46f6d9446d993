// Token revocation as pure functions: what a revocation matches and how long it must be kept.
import type { Revocation, RevocationBody } from "../protocol.ts";

export type TokenRef = { sub: string; jti?: string | undefined; iat?: number | undefined };

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
  return r.sub === t.sub && (t.iat ?? 0) <= r.before;
}

export function isRevoked(list: readonly Revocation[], t: TokenRef, nowSeconds: number): boolean {
  return list.some((r) => r.keepUntil > nowSeconds && matches(r, t));
}
