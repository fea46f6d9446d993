// One error class; `code` is stable (tests and apps branch on it), the message is for people.

export type ClientErrorDetails = {
  /** HTTP status of a failed upgrade (Node with `ws` only). */
  status?: number;
  /** Close code of the socket that ended. */
  closeCode?: number;
  cause?: unknown;
};

export class ClientError extends Error {
  override readonly name = "ClientError";
  /**
   * Local codes: `queue_full`, `closed`, `ack_timeout`, `invalid_message`, `invalid_filter`,
   * `filter_timeout`, `token_provider_failed`, `refresh_timeout`, `connect_timeout`, `heartbeat_timeout`,
   * `invalid_frame`, `invalid_options`; terminal codes from codes.ts; or the gateway's own
   * error code (`rate_limited`, `forbidden`, `token_expired`, ...).
   */
  readonly code: string;
  readonly status: number | undefined;
  readonly closeCode: number | undefined;

  constructor(code: string, message: string, details: ClientErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.status = details.status;
    this.closeCode = details.closeCode;
  }
}
