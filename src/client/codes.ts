// Every close code and upgrade status the client can meet, and whether it may retry after it.
// Mirrors `CloseCode` in src/protocol.ts (a unit test keeps them equal): the SDK imports no value
// from there so that a browser bundle does not pull zod in.

export const CloseCodes = {
  normal: 1000,
  goingAway: 1001,
  /** No close frame: the network dropped, the gateway restarted, or (in browsers) the upgrade failed. */
  abnormal: 1006,
  /** The gateway closed the socket for repeated invalid frames. */
  policyViolation: 1008,
  internalError: 1011,
  /** The token expired and was not refreshed in time. */
  tokenExpired: 4001,
  tokenRevoked: 4002,
  /** An operator disconnected this user or connection. */
  disconnected: 4003,
} as const;

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
  [CloseCodes.policyViolation]: { code: "policy_violation", message: "closed by the gateway for invalid frames" },
  [CloseCodes.tokenRevoked]: { code: "token_revoked", message: "the token was revoked" },
  [CloseCodes.disconnected]: { code: "disconnected", message: "disconnected by an operator" },
};

/** Decides what a close code means for this client. `refreshFailed`: the last refresh attempt failed. */
export function closeVerdict(code: number, refreshFailed: boolean): Verdict {
  const terminal = TERMINAL_CLOSE_CODES[code];
  if (terminal !== undefined) return { retry: false, ...terminal };
  if (code === CloseCodes.tokenExpired)
    return refreshFailed
      ? { retry: false, code: "token_expired", message: "the token expired and could not be refreshed" }
      : retry;
  // The protocol reserves 4xxx for reasons a client cannot fix by reconnecting (src/protocol.ts).
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
