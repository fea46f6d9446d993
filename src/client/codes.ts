// Every close code and upgrade status the client can meet, and whether it may retry after it.
import { CloseCode } from "../wire.ts";

/** What the client does after a socket ends: try again (after a backoff delay) or stop for good. */
export type Verdict = { retry: true; retryAfterMs?: number } | { retry: false; code: string; message: string };

const retry: Verdict = { retry: true };

/**
 * Close codes after which reconnecting cannot help. 4001 is absent on purpose: it is terminal only
 * when the last refresh failed (see `closeVerdict`); otherwise a new connection asks the token
 * provider for a fresh token, which is exactly the fix.
 */
export const TERMINAL_CLOSE_CODES: Readonly<Record<number, { code: string; message: string }>> = {
  // Reconnecting would only repeat whatever the app sent; the app must be fixed, then connect() again.
  [CloseCode.policyViolation]: { code: "policy_violation", message: "closed by the gateway for invalid frames" },
  [CloseCode.tokenRevoked]: { code: "token_revoked", message: "the token was revoked" },
  [CloseCode.disconnected]: { code: "disconnected", message: "disconnected by an operator" },
};

/** Decides what a close code means for this client. `refreshFailed`: the last refresh attempt failed. */
export function closeVerdict(code: number, refreshFailed: boolean): Verdict {
  const terminal = TERMINAL_CLOSE_CODES[code];
  if (terminal !== undefined) return { retry: false, ...terminal };
  if (code === CloseCode.tokenExpired)
    return refreshFailed
      ? { retry: false, code: "token_expired", message: "the token expired and could not be refreshed" }
      : retry;
  // The protocol reserves 4xxx for reasons a client cannot fix by reconnecting (src/wire.ts).
  if (code >= 4000 && code <= 4999)
    return { retry: false, code: "server_closed", message: `closed by the gateway with code ${code}` };
  return retry;
}

/**
 * Decides what a failed upgrade's HTTP status means. Only Node with `ws` sees it; browsers report
 * every failed upgrade as close 1006, which `closeVerdict` retries.
 */
export function upgradeVerdict(status: number, code: string | undefined, retryAfterMs?: number): Verdict {
  // Too many connects, or the gateway is briefly unavailable: wait, honouring Retry-After.
  if (status === 408 || status === 429 || status >= 500)
    return retryAfterMs === undefined ? retry : { retry: true, retryAfterMs };
  // 401/403 (credentials), 400 (bad room), 404/426 (wrong URL): the same request fails again.
  const fallback = status === 401 ? "unauthorized" : status === 403 ? "forbidden" : `http_${status}`;
  return { retry: false, code: code ?? fallback, message: `the gateway refused the connection (HTTP ${status})` };
}
