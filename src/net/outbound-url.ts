// The one rule for URLs the gateway calls out to (webhook endpoints, a tenant's JWKS): https to a
// public host, no credentials in the URL. http is allowed only to a loopback address, and only
// when DEV_ALLOW_LOOPBACK_HTTP is on (development and tests).
import { classifyHost } from "./addresses.ts";

/** Long enough for any real endpoint; a longer one is refused before it is stored. */
export const MAX_OUTBOUND_URL_LENGTH = 2048;

export type OutboundUrlOptions = { allowLoopbackHttp: boolean };

/** Why `text` may not be called, or undefined when it may. The reasons are safe to show the caller. */
export function outboundUrlProblem(text: string, options: OutboundUrlOptions): string | undefined {
  if (text.length > MAX_OUTBOUND_URL_LENGTH) return `must be at most ${MAX_OUTBOUND_URL_LENGTH} characters`;
  if (!URL.canParse(text)) return "is not an absolute URL";
  const url = new URL(text);
  if (url.username !== "" || url.password !== "") return "must not carry credentials (user:password@)";
  if (url.protocol !== "https:" && url.protocol !== "http:") return "must use https";
  const kind = classifyHost(url.hostname);
  if (kind === "loopback")
    return options.allowLoopbackHttp ? undefined : "must not point at a loopback address (localhost, 127.0.0.0/8, ::1)";
  if (kind === "internal") return "must not point at a private, link-local, metadata or internal address";
  if (url.protocol !== "https:") return "must use https";
  return undefined;
}

/** True when `url` passes `outboundUrlProblem` under the configured development setting. */
export function isAllowedOutboundUrl(url: string, config: { devAllowLoopbackHttp: boolean }): boolean {
  return outboundUrlProblem(url, { allowLoopbackHttp: config.devAllowLoopbackHttp }) === undefined;
}
