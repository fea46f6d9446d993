// Public API of the client SDK (npm package `@broadcast-gateway/client`, built from this folder).
// Nothing here imports the gateway's code: the wire types are plain mirrors (wire.ts), so the
// bundle and the package's declarations carry no server code and no zod.
export type { PublishAck } from "./acks.ts";
export { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF, retryDelay } from "./backoff.ts";
export { BroadcastClient, type ClientEvents, type PublishOptions, type StateChange } from "./client.ts";
export { CloseCodes, closeVerdict, TERMINAL_CLOSE_CODES, upgradeVerdict, type Verdict } from "./codes.ts";
export { ClientError } from "./errors.ts";
export type { ClientOptions, TokenProvider } from "./options.ts";
export type { Resync, ResyncReason } from "./resume.ts";
export type { ClientState } from "./state.ts";
export { DEFAULT_REFRESH, decodeTokenExp, type RefreshPolicy, refreshDelayMs } from "./token.ts";
export type { TokenCarrier, WebSocketConstructorLike, WebSocketLike } from "./transport.ts";
export type {
  AckFrame,
  ErrorFrame,
  ExcludeTarget,
  MessageFrame,
  PresenceFrame,
  Ref,
  RefreshedFrame,
  Sender,
  Target,
  WelcomeFrame,
} from "./wire.ts";
