// Where credentials travel. Pure: reads a request, verifies nothing.
import { BEARER_SUBPROTOCOL_PREFIX } from "../wire.ts";
import { looksLikeApiKey, looksLikeOperatorKey } from "./api-key-format.ts";

export type Credential =
  | { kind: "jwt"; token: string }
  | { kind: "api_key"; key: string }
  | { kind: "operator_key"; key: string };

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

/** The value of the first offered subprotocol `<prefix><value>`. */
export function subprotocolValue(offered: readonly string[], prefix: string): string | undefined {
  return offered.find((p) => p.startsWith(prefix))?.slice(prefix.length);
}

/** A WebSocket upgrade's user token and its subprotocol list, which is parsed once, here. */
export type UpgradeCarriers = { token: string | undefined; offered: readonly string[] };

/**
 * The token comes, in order of preference, from the Authorization header, the `bearer.<jwt>`
 * subprotocol (browsers cannot set headers), then `?access_token=` (`query` is the decoded query string).
 */
export function upgradeCarriers(headers: Headers, query: Readonly<Record<string, string>>): UpgradeCarriers {
  const offered = offeredSubprotocols(headers);
  const token =
    bearer(headers) ?? subprotocolValue(offered, BEARER_SUBPROTOCOL_PREFIX) ?? (query.access_token || undefined);
  return { token, offered };
}

/**
 * A caller's credential: `X-API-Key`, or a Bearer value that is an API key or else a JWT. Operator
 * keys (`bgo_…`) travel the same ways and are told apart by their prefix.
 */
export function publisherCredentialFrom(headers: Headers): Credential | undefined {
  const apiKey = headers.get("x-api-key");
  if (apiKey)
    return looksLikeOperatorKey(apiKey) ? { kind: "operator_key", key: apiKey } : { kind: "api_key", key: apiKey };
  const token = bearer(headers);
  if (token === undefined) return undefined;
  if (looksLikeOperatorKey(token)) return { kind: "operator_key", key: token };
  return looksLikeApiKey(token) ? { kind: "api_key", key: token } : { kind: "jwt", token };
}
