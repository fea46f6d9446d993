// One error type with a stable code; the code alone decides the HTTP status. Every refusal, from
// the Worker or a room, becomes a response or an error frame here.
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { errorBodySchema } from "./protocol.ts";
import { type ErrorBody, type ErrorCode, encodeError, type Ref } from "./wire.ts";

const STATUS = {
  missing_token: 401,
  invalid_token: 401,
  token_expired: 401,
  token_not_yet_valid: 401,
  invalid_signature: 401,
  invalid_algorithm: 401,
  unknown_key: 401,
  invalid_claims: 401,
  invalid_api_key: 401,
  revoked_api_key: 401,
  token_revoked: 401,
  forbidden: 403,
  forbidden_origin: 403,
  tenant_suspended: 403,
  not_found: 404,
  conflict: 409,
  invalid_room: 400,
  invalid_id: 400,
  invalid_json: 400,
  invalid_body: 400,
  invalid_query: 400,
  invalid_filter: 400,
  invalid_idempotency_key: 400,
  invalid_message: 400,
  unsupported: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  idempotency_key_reused: 422,
  upgrade_required: 426,
  rate_limited: 429,
  too_many_connections: 429,
  invalid_url: 400,
  too_many_endpoints: 409,
  too_many_revocations: 409,
  endpoint_disabled: 409,
  webhooks_unavailable: 503,
  internal: 500,
} as const satisfies Record<ErrorCode, ContentfulStatusCode>;

export class GatewayError extends Error {
  override readonly name = "GatewayError";
  readonly code: ErrorCode;
  readonly details: unknown;
  /** Seconds a client should wait; sent as `Retry-After`. */
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, message: string, details?: unknown, retryAfter?: number) {
    super(message);
    this.code = code;
    this.details = details;
    this.retryAfter = retryAfter;
  }

  get status(): ContentfulStatusCode {
    return STATUS[this.code];
  }
}

const isErrorCode = (code: string): code is ErrorCode => Object.hasOwn(STATUS, code);

export function errorBody(err: GatewayError): ErrorBody {
  const body: ErrorBody = { error: { code: err.code, message: err.message } };
  if (err.details !== undefined) body.error.details = err.details;
  return body;
}

export function errorResponse(err: GatewayError): Response {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (err.retryAfter !== undefined) headers["retry-after"] = String(err.retryAfter);
  return new Response(JSON.stringify(errorBody(err)), { status: err.status, headers });
}

export function errorFrame(err: GatewayError, ref?: Ref): string {
  return encodeError(err.code, err.message, ref, err.retryAfter);
}

/** `Retry-After` in seconds; the HTTP-date form is never sent by the gateway, so it reads as none. */
function retryAfterOf(res: Response): number | undefined {
  const value = res.headers.get("retry-after")?.trim();
  return value !== undefined && /^\d{1,9}$/.test(value) ? Number(value) : undefined;
}

/**
 * The GatewayError behind a refusal another object answered with (a room refusing an upgrade), with
 * its details and Retry-After, so the Worker throws it like its own and logs its code. Anything
 * unexpected is an internal error.
 */
export async function errorFromResponse(res: Response): Promise<GatewayError> {
  const text = await res.text();
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    raw = undefined;
  }
  const parsed = errorBodySchema.safeParse(raw);
  if (!parsed.success || !isErrorCode(parsed.data.error.code))
    return new GatewayError("internal", `unexpected answer ${res.status}`);
  const { code, message, details } = parsed.data.error;
  return new GatewayError(code, message, details, retryAfterOf(res));
}
