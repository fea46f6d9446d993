// One error class and every code it can carry. `code` is stable (tests and apps branch on it, and a
// typo in a comparison fails to compile); the message is for people. PROTOCOL.md says what the
// gateway's own codes mean; this file adds the ones the client makes itself.
import { ERROR_CODES, type ErrorCode } from "../wire.ts";

/** Codes the client makes itself, without the gateway saying anything. */
export const LOCAL_ERROR_CODES = [
  /** `publish()` while the send queue is full. */
  "queue_full",
  /** `close()` was called, or `publish()` after the client stopped. */
  "closed",
  /** No `ack` within `ackTimeoutMs`: the publish may or may not have happened. */
  "ack_timeout",
  /** No `filtered` answer within `ackTimeoutMs`. */
  "filter_timeout",
  /** The token provider threw or returned no token. */
  "token_provider_failed",
  /** No answer to a `refresh` within `ackTimeoutMs`. */
  "refresh_timeout",
  /** No `welcome` within `connectTimeoutMs`. */
  "connect_timeout",
  /** The WebSocket constructor threw (a browser refusing the subprotocol list, a bad URL). */
  "connect_failed",
  /** No frame at all within `pongTimeoutMs` of a ping. */
  "heartbeat_timeout",
  /** The gateway sent something that is not a frame of PROTOCOL.md. */
  "invalid_frame",
  /** A bad option, thrown by the constructor. */
  "invalid_options",
] as const;

/** Why the gateway ended a session or refused a connect, named from the close code alone. */
export const CLOSE_ERROR_CODES = [
  /** Close 1008: repeated invalid frames. */
  "policy_violation",
  /** Close 4003: an operator disconnected this user or connection. */
  "disconnected",
  /** Close 4004: the tenant is suspended. */
  "tenant_suspended",
  /** Another 4xxx close code this client does not know. */
  "server_closed",
  /** HTTP 401 on upgrade without an error body (a proxy in between). */
  "unauthorized",
  /** A gateway error code newer than this client; the gateway's own text is in `gatewayCode`. */
  "unknown_error",
] as const;

export type LocalErrorCode = (typeof LOCAL_ERROR_CODES)[number];
export type CloseErrorCode = (typeof CLOSE_ERROR_CODES)[number];
/** An upgrade refused with this HTTP status and no gateway error code (Node with `ws`, a proxy's answer). */
export type HttpStatusCode = `http_${number}`;
/** Every code a `ClientError` can carry: the gateway's (PROTOCOL.md), close-code names, or local ones. */
export type ClientErrorCode = ErrorCode | LocalErrorCode | CloseErrorCode | HttpStatusCode;

const KNOWN: ReadonlySet<string> = new Set<string>([...ERROR_CODES, ...LOCAL_ERROR_CODES, ...CLOSE_ERROR_CODES]);

/** A code the gateway sent (error frame, close reason, HTTP body) as this client's code. */
export function clientErrorCode(sent: string): ClientErrorCode {
  return KNOWN.has(sent) ? (sent as ClientErrorCode) : "unknown_error";
}

export type ClientErrorDetails = {
  /** HTTP status of a refused upgrade (4000 + status as a close code, or seen directly by `ws`). */
  status?: number;
  /** Close code of the socket that ended. */
  closeCode?: number;
  /** The code exactly as the gateway sent it; differs from `code` only when that is `unknown_error`. */
  gatewayCode?: string;
  cause?: unknown;
};

export class ClientError extends Error {
  override readonly name = "ClientError";
  readonly code: ClientErrorCode;
  readonly status: number | undefined;
  readonly closeCode: number | undefined;
  readonly gatewayCode: string | undefined;

  constructor(code: ClientErrorCode, message: string, details: ClientErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.status = details.status;
    this.closeCode = details.closeCode;
    this.gatewayCode = details.gatewayCode;
  }
}

/** A gateway error (error frame or refusal) as a ClientError, keeping the code it sent. */
export function gatewayError(sent: string, message: string, details: ClientErrorDetails = {}): ClientError {
  return new ClientError(clientErrorCode(sent), message, { ...details, gatewayCode: sent });
}
