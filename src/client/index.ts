// Public API of the client SDK (npm package `@broadcast-gateway/client`, packages/client). Wire types and constants come from
// src/wire.ts, which is zod-free, so the bundle carries no server code and no validator.
export type {
  AckFrame,
  BatchFrame,
  EphemeralFrame,
  ErrorFrame,
  Exclude as ExcludeTarget,
  FilteredFrame,
  FilterSpec,
  LiveMessageFrame,
  MessageFrame,
  PresenceFrame,
  RefreshedFrame,
  Sender,
  Tags,
  Target,
  WelcomeFrame,
} from "../wire.ts";
export { CloseCode, ERROR_CODES, type ErrorCode } from "../wire.ts";
export type { PublishAck } from "./acks.ts";
export { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF, retryDelay } from "./backoff.ts";
export { BroadcastClient, type ClientEvents, type PublishOptions, type StateChange } from "./client.ts";
export {
  closeVerdict,
  type Reason,
  type Refusal,
  refusalStatus,
  refusalVerdict,
  TERMINAL_CLOSE_CODES,
  type Verdict,
} from "./codes.ts";
export {
  CLOSE_ERROR_CODES,
  ClientError,
  type ClientErrorCode,
  type CloseErrorCode,
  type HttpStatusCode,
  LOCAL_ERROR_CODES,
  type LocalErrorCode,
} from "./errors.ts";
export type { ClientOptions, TokenProvider } from "./options.ts";
export type { Resync, ResyncReason } from "./resume.ts";
export type { ClientState } from "./state.ts";
export { DEFAULT_REFRESH, decodeTokenExp, type RefreshPolicy, refreshDelayMs } from "./token.ts";
export type { TokenCarrier, WebSocketConstructorLike, WebSocketLike } from "./transport.ts";
