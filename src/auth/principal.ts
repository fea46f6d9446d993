import type { ApiKeyScope, Scope, Sender, UserScope } from "../wire.ts";

/** A user, established from a verified JWT. */
export type UserPrincipal = {
  kind: "user";
  /** The JWT `sub`. */
  id: string;
  tenant: string;
  scopes: readonly UserScope[];
  /** Room grants from the token; undefined means every room of the tenant. */
  rooms?: readonly string[] | undefined;
  /** Token expiry in epoch seconds. */
  exp: number;
  /** Token id and issue time, matched against revocations. */
  jti?: string | undefined;
  iat?: number | undefined;
};

/** A backend publisher, established from an API key. */
export type ApiKeyPrincipal = { kind: "api_key"; id: string; tenant: string; scopes: readonly ApiKeyScope[] };

/** Who is calling, as established from a verified credential. */
export type Principal = UserPrincipal | ApiKeyPrincipal;

export function senderOf(p: Principal): Sender {
  return { kind: p.kind, id: p.id };
}

/**
 * Who reads history: a user sees broadcasts and messages targeted at them; an admin key sees the
 * whole room; any other key (scope `presence`) sees broadcasts only.
 */
export type Viewer = { kind: "user"; sub: string } | { kind: "admin" } | { kind: "broadcasts" };

export function viewerOf(p: Principal): Viewer {
  if (p.kind === "user") return { kind: "user", sub: p.id };
  return hasScope(p, "admin") ? { kind: "admin" } : { kind: "broadcasts" };
}

export function hasScope(p: Principal, scope: Scope): boolean {
  const scopes: readonly Scope[] = p.scopes;
  return scopes.includes(scope);
}

/** A grant is an exact room name, or a prefix ending in `*`. */
export function roomAllowed(grants: readonly string[] | undefined, room: string): boolean {
  if (grants === undefined) return true;
  return grants.some((g) => (g.endsWith("*") ? room.startsWith(g.slice(0, -1)) : g === room));
}
