// Where credentials travel. Pure: reads a request, verifies nothing.
import { BEARER_SUBPROTOCOL_PREFIX } from "../protocol.ts";
import { looksLikeApiKey } from "./api-key-format.ts";

export type Credential = { kind: "jwt"; token: string } | { kind: "api_key"; key: string };

function bearer(headers: Headers): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.get("authorization") ?? "");
  return match?.[1];
}

export function offeredSubprotocols(headers: Headers): string[] {
  return (headers.get("sec-websocket-protocol") ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
}

/**
 * A user's JWT for a WebSocket upgrade, in order of preference: the Authorization header, the
 * `bearer.<jwt>` subprotocol (browsers cannot set headers), then `?access_token=`.
 */
export function userTokenFrom(headers: Headers, url: URL): string | undefined {
  return (
    bearer(headers) ??
    offeredSubprotocols(headers)
      .find((p) => p.startsWith(BEARER_SUBPROTOCOL_PREFIX))
      ?.slice(BEARER_SUBPROTOCOL_PREFIX.length) ??
    (url.searchParams.get("access_token") || undefined)
  );
}

/** A publisher's credential: `X-API-Key`, or a Bearer value that is an API key or else a JWT. */
export function publisherCredentialFrom(headers: Headers): Credential | undefined {
  const apiKey = headers.get("x-api-key");
  if (apiKey) return { kind: "api_key", key: apiKey };
  const token = bearer(headers);
  if (token === undefined) return undefined;
  return looksLikeApiKey(token) ? { kind: "api_key", key: token } : { kind: "jwt", token };
}
