// Who acts, in one vocabulary from the credential to the frame. A verified credential gives a
// `Principal`; its `kind` and `id` (a user's JWT `sub`, or an API key's id) are the `Sender` a
// message frame names and are carried unchanged, under the same two names, into a socket's member
// (room/client.ts `memberOf`), a revocation check (`TokenRef`) and a history read (`Viewer`).
import type { Filter } from "../filter.ts";
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
  /** The token's `info` claim (member data shown in presence), as JSON text. */
  info?: string | undefined;
  /** The token's `filter` claim: the most the user may see, on sockets and in history. */
  filter?: Filter | undefined;
};

/** A backend publisher, established from an API key. */
export type ApiKeyPrincipal = { kind: "api_key"; id: string; tenant: string; scopes: readonly ApiKeyScope[] };

/** Who is calling, as established from a verified credential. */
export type Principal = UserPrincipal | ApiKeyPrincipal;

/** The sender a message frame names, from anyone who acts (a principal, a socket's member). */
export function senderOf<Who extends Sender>(who: Who): Sender {
  return { kind: who.kind, id: who.id };
}

/** `user:<id>` or `api_key:<id>`: how logs and idempotency records name who acted. */
export const identityLabel = <Who extends Sender>(who: Who): string => `${who.kind}:${who.id}`;

/**
 * Who reads history: a user (by id) sees broadcasts and messages targeted at them; an admin key
 * sees the whole room; any other key (scope `presence`) sees broadcasts only.
 */
export type Viewer = { kind: "user"; id: string } | { kind: "admin" } | { kind: "broadcasts" };

/**
 * The viewer of a history read. A user's id also goes under its former name `sub`, so a room
 * object still running the version before (during a deploy) reads it.
 */
export function viewerOf(p: Principal): Viewer {
  if (p.kind !== "user") return hasScope(p, "admin") ? { kind: "admin" } : { kind: "broadcasts" };
  const user: Viewer & { sub: string } = { kind: "user", id: p.id, sub: p.id };
  return user;
}

/** A viewer as any version of the Worker sends it: the version before named a user's id `sub` only. */
export type ReceivedViewer = Viewer | { kind: "user"; sub: string };

export function receivedViewer(v: ReceivedViewer): Viewer {
  return v.kind === "user" && !("id" in v) ? { kind: "user", id: v.sub } : v;
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
