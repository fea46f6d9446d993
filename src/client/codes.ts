// Every close code and refusal the client can meet, and whether it may retry after it. The
// gateway's codes are specified in PROTOCOL.md; this file decides what the client does with them.
import { CloseCode } from "../wire.ts";
import { type ClientErrorCode, clientErrorCode } from "./errors.ts";

/** Why the client stops or waits: a code of its own union, and the gateway's code as sent when there was one. */
export type Reason = { code: ClientErrorCode; message: string; gatewayCode?: string };

/**
 * What the client does after a socket ends: try again (after a backoff delay, never sooner than
 * `retryAfterMs`), stop for good, or (`new_token`) try once more with a new token from the app's
 * token provider, and stop with this reason when there is none or it was already tried.
 */
export type Verdict =
  | { retry: true; retryAfterMs?: number; reason?: Reason }
  | ({ retry: false } & Reason)
  | ({ retry: "new_token" } & Reason);

/**
 * A refused connect: the HTTP status the gateway would have answered, its error code and message
 * (from the `error` frame before the close, else the close reason, else an HTTP body), and how long
 * it asked the client to wait.
 */
export type Refusal = { status: number; code?: string | undefined; message?: string; retryAfterMs?: number };

/**
 * Close codes after which reconnecting cannot help. 4001 is absent on purpose: a new token from the
 * app's provider is exactly the fix (see `closeVerdict`).
 */
export const TERMINAL_CLOSE_CODES: Readonly<Record<number, Reason>> = {
  // Reconnecting would only repeat whatever the app sent; the app must be fixed, then connect() again.
  [CloseCode.policyViolation]: { code: "policy_violation", message: "closed by the gateway for invalid frames" },
  [CloseCode.tokenRevoked]: { code: "token_revoked", message: "the token was revoked" },
  [CloseCode.disconnected]: { code: "disconnected", message: "disconnected by an operator" },
  4004: { code: "tenant_suspended", message: "the tenant is suspended" },
};

/** A refused upgrade closes with 4000 + the HTTP status it would have had (PROTOCOL.md). */
const REFUSAL_CLOSE_BASE = 4000;

/** The HTTP status a refusal close code stands for (4400–4599), else undefined. */
export function refusalStatus(closeCode: number): number | undefined {
  return closeCode >= 4400 && closeCode <= 4599 ? closeCode - REFUSAL_CLOSE_BASE : undefined;
}

/** Token refusals a new token from the app's provider can fix. */
const RENEWABLE: readonly string[] = ["token_expired", "token_revoked"];

/** Decides what a refused connect means: the status decides, the gateway's code names it. */
export function refusalVerdict(r: Refusal): Verdict {
  const sent = r.code === undefined || r.code === "" ? undefined : r.code;
  const code = sent === undefined ? statusCode(r.status) : clientErrorCode(sent);
  const reason: Reason = {
    code,
    message: r.message ?? `the gateway refused the connection (HTTP ${r.status})`,
    ...(sent === undefined ? {} : { gatewayCode: sent }),
  };
  // Too many connects, or the gateway is briefly unavailable: wait, honouring retryAfter.
  if (r.status === 408 || r.status === 429 || r.status >= 500)
    return r.retryAfterMs === undefined
      ? { retry: true, reason }
      : { retry: true, retryAfterMs: r.retryAfterMs, reason };
  if (r.status === 401 && sent !== undefined && RENEWABLE.includes(sent)) return { retry: "new_token", ...reason };
  // 401/403 (credentials, origin), 400 (bad room or query), 404/413/426 (wrong URL or request): the same request fails again.
  return { retry: false, ...reason };
}

function statusCode(status: number): ClientErrorCode {
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  return `http_${status}`;
}

/**
 * Decides what a close code means. `refreshFailed`: the last refresh attempt failed, so the
 * expiry (4001) cannot be fixed by a new token. `reason` is the close frame's reason text.
 */
export function closeVerdict(code: number, refreshFailed: boolean, reason = ""): Verdict {
  const status = refusalStatus(code);
  if (status !== undefined) return refusalVerdict({ status, code: reason });
  const terminal = TERMINAL_CLOSE_CODES[code];
  if (terminal !== undefined) return { retry: false, ...terminal };
  if (code === CloseCode.tokenExpired)
    return refreshFailed
      ? { retry: false, code: "token_expired", message: "the token expired and could not be refreshed" }
      : { retry: "new_token", code: "token_expired", message: "the token expired" };
  // The protocol reserves 4xxx for reasons a client cannot fix by reconnecting (PROTOCOL.md).
  if (code >= 4000 && code <= 4999) {
    const named = reason === "" ? undefined : clientErrorCode(reason);
    return named === undefined || named === "unknown_error"
      ? { retry: false, code: "server_closed", message: `closed by the gateway with code ${code}` }
      : { retry: false, code: named, message: `closed by the gateway: ${reason}`, gatewayCode: reason };
  }
  return { retry: true };
}
