// A refresh token's checks, apart from the socket: same tenant and sub, still granted the room,
// not revoked. Returns the connection's next state or throws the error to send.
import { verifyUserToken } from "../auth/jwt.ts";
import { hasScope, roomAllowed } from "../auth/principal.ts";
import type { Config } from "../config.ts";
import { GatewayError } from "../errors.ts";
import type { UserScope } from "../protocol.ts";
import type { TokenRef } from "../tenant/revocations.ts";
import type { ConnectionState } from "./connection.ts";

export async function refreshedState(
  config: Config,
  state: ConnectionState,
  token: string,
  isRevoked: (t: TokenRef) => Promise<boolean>,
): Promise<ConnectionState> {
  const p = await verifyUserToken(config, token);
  if (p.tenant !== state.tenant || p.id !== state.sub)
    throw new GatewayError("forbidden", "refresh token is for another user");
  if (!hasScope(p, "subscribe") || !roomAllowed(p.rooms, state.room))
    throw new GatewayError("forbidden", "refresh token does not grant this room");
  if (await isRevoked({ sub: p.id, jti: p.jti, iat: p.iat }))
    throw new GatewayError("token_revoked", "token has been revoked");
  // Only user tokens reach here, so every scope is a user scope.
  const scopes = p.scopes as UserScope[];
  // Presence frames need the scope for as long as they flow: a token without it stops them.
  const presence = state.presence && scopes.includes("presence");
  return { ...state, scopes, presence, exp: p.exp ?? state.exp, jti: p.jti, iat: p.iat };
}
