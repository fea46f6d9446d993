// Token lifetime maths. The client never verifies a token (it has no key and needs none): it only
// reads `exp` to know when to ask the token provider for the next one.

/** The claims of a JWT, read without verifying; undefined for anything that is not a JWT with a JSON payload. */
export function decodeTokenClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split(".");
  const payload = parts[1];
  if (parts.length !== 3 || payload === undefined || !/^[A-Za-z0-9_-]+$/.test(payload)) return undefined;
  let claims: unknown;
  try {
    const base64 = payload.replace(/-/g, "+").replace(/_/g, "/");
    const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    claims = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    // Not base64url JSON: an opaque token. The gateway decides; the client just cannot read it.
    return undefined;
  }
  if (typeof claims !== "object" || claims === null || Array.isArray(claims)) return undefined;
  return { ...claims };
}

/** `exp` (seconds) of a JWT, read without verifying; undefined for anything that is not a JWT with a numeric exp. */
export function decodeTokenExp(token: string): number | undefined {
  const exp = decodeTokenClaims(token)?.exp;
  return typeof exp === "number" && Number.isFinite(exp) ? exp : undefined;
}

export type RefreshPolicy = {
  /** Refresh this long before `exp`... */
  leadMs: number;
  /** ...unless that is earlier than this fraction of the token's lifetime (short-lived tokens). */
  lifetimeFraction: number;
  /** Never schedule sooner than this, so a provider handing out nearly-expired tokens cannot spin the client. */
  minDelayMs: number;
};

export const DEFAULT_REFRESH: RefreshPolicy = { leadMs: 60_000, lifetimeFraction: 0.8, minDelayMs: 1_000 };

/**
 * Milliseconds from `nowMs` until the refresh should start, for a token that expires at `expSec`
 * and was obtained at `obtainedAtMs`: `leadMs` before expiry, or at `lifetimeFraction` of its
 * lifetime when that comes later (a 90 s token refreshes at 72 s, not at 30 s).
 */
export function refreshDelayMs(expSec: number, obtainedAtMs: number, nowMs: number, policy: RefreshPolicy): number {
  const expMs = expSec * 1000;
  const lifetime = Math.max(0, expMs - obtainedAtMs);
  const lead = Math.min(policy.leadMs, (1 - policy.lifetimeFraction) * lifetime);
  return Math.max(policy.minDelayMs, Math.round(expMs - lead - nowMs));
}
