// What the token allows, read (not verified) from its claims so the page shows only the panels the
// gateway would serve. The gateway still decides every request.
import { decodeTokenClaims } from "../../src/client/token.ts";

export type TokenFacts = { sub: string | undefined; tenant: string | undefined; scopes: string[] };

/** The gateway's rule: `scope` is a space-separated list, `subscribe` when absent. */
export function tokenFacts(token: string): TokenFacts {
  const claims = decodeTokenClaims(token);
  const text = (v: unknown) => (typeof v === "string" ? v : undefined);
  const scope = text(claims?.scope) ?? "subscribe";
  return { sub: text(claims?.sub), tenant: text(claims?.tenant), scopes: scope.split(" ").filter(Boolean) };
}
