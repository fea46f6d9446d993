// Hono middleware that turns a request's credential into `c.var.principal`, or a typed error.
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";
import { GatewayError } from "../errors.ts";
import { tokenRefOf } from "../tenant/revocations.ts";
import { tenantStub } from "../tenant/tenant.ts";
import type { Scope } from "../wire.ts";
import { verifyApiKey } from "./api-keys.ts";
import { publisherCredentialFrom } from "./credentials.ts";
import { verifyUserToken } from "./jwt.ts";
import { hasScope, type Principal, roomAllowed } from "./principal.ts";

/** Scopes that admit each kind of credential (any one suffices); a kind not listed is refused. */
export type ScopeRule = { user?: readonly Scope[]; api_key?: readonly Scope[] };

/** `room` is undefined on routes outside `/v1/rooms/…` (revocations): then no room grant is needed. */
export function authorize(principal: Principal, rule: ScopeRule, room: string | undefined): void {
  const accepted = rule[principal.kind] ?? [];
  if (!accepted.some((s) => hasScope(principal, s)))
    throw new GatewayError(
      "forbidden",
      `credential needs scope ${accepted.map((s) => `"${s}"`).join(" or ") || "of another kind"}`,
    );
  if (room !== undefined && principal.kind === "user" && !roomAllowed(principal.rooms, room))
    throw new GatewayError("forbidden", "credential does not grant this room");
}

/**
 * Rooms enforce revocations on sockets; an HTTP call made with a JWT asks the tenant object. It
 * runs after the route's rate limiter, so a flood of revoked tokens never reaches the object.
 */
export const rejectRevoked = createMiddleware<AppEnv>(async (c, next) => {
  const p = c.get("principal");
  if (p.kind === "user" && (await tenantStub(c.env, p.tenant).isRevoked(tokenRefOf(p))))
    throw new GatewayError("token_revoked", "token has been revoked");
  await next();
});

/**
 * The user JWT of a WebSocket upgrade (read by `readUpgrade`), with `scope` and a grant for the room.
 * `brake` runs before a token is verified in full (not for one this isolate has verified already).
 */
export const requireUser = (scope: Scope, brake: (c: Context<AppEnv>) => Promise<void>) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const token = c.get("upgrade").token;
    if (token === undefined) throw new GatewayError("missing_token", "a token is required");
    const principal = await verifyUserToken(c.get("config"), token, new Date(), () => brake(c));
    // Set before authorizing: a refusal of a verified credential is counted for its tenant.
    c.set("principal", principal);
    authorize(principal, { user: [scope] }, c.get("room"));
    await next();
  });

/** An API key or a user JWT from the HTTP headers, admitted by `rule` and granted the room. */
export const requireCredential = (rule: ScopeRule) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const credential = publisherCredentialFrom(c.req.raw.headers);
    if (credential === undefined) throw new GatewayError("missing_token", "an API key or token is required");
    const principal =
      credential.kind === "api_key"
        ? await verifyApiKey(c.get("config"), credential.key)
        : await verifyUserToken(c.get("config"), credential.token, new Date());
    const room: string | undefined = c.get("room");
    c.set("principal", principal);
    authorize(principal, rule, room);
    await next();
  });
