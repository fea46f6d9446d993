import type { Scope, Sender } from "../protocol.ts";

/** Who is calling, as established from a verified credential. */
export type Principal = {
  kind: "user" | "api_key";
  /** The JWT `sub`, or the API key id. */
  id: string;
  tenant: string;
  scopes: readonly Scope[];
  /** Room grants from the token; undefined means every room of the tenant. */
  rooms?: readonly string[] | undefined;
  /** Token expiry in epoch seconds (users only). */
  exp?: number | undefined;
  /** Token id and issue time (users only), matched against revocations. */
  jti?: string | undefined;
  iat?: number | undefined;
};

export function senderOf(p: Principal): Sender {
  return { kind: p.kind, id: p.id };
}

export function hasScope(p: Principal, scope: Scope): boolean {
  return p.scopes.includes(scope);
}

/** A grant is an exact room name, or a prefix ending in `*`. */
export function roomAllowed(grants: readonly string[] | undefined, room: string): boolean {
  if (grants === undefined) return true;
  return grants.some((g) => (g.endsWith("*") ? room.startsWith(g.slice(0, -1)) : g === room));
}
