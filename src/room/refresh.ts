// A refresh token's checks, apart from the socket: same tenant and sub, still granted the room,
// not revoked. Returns the connection's next state or throws the error to send.
import { verifyUserToken } from "../auth/jwt.ts";
import { hasScope, roomAllowed } from "../auth/principal.ts";
import type { Config } from "../config.ts";
import { GatewayError } from "../errors.ts";
import type { Revocation, UserScope } from "../protocol.ts";
import { isRevoked } from "../tenant/revocations.ts";
import type { ConnectionState } from "./connection.ts";

export async function refreshedState(
  config: Config,
  state: ConnectionState,
  token: string,
  revocations: () => Promise<Revocation[]>,
): Promise<ConnectionState> {
  const p = await verifyUserToken(config, token);
  if (p.tenant !== state.tenant || p.id !== state.sub)
    throw new GatewayError("forbidden", "refresh token is for another user");
  if (!hasScope(p, "subscribe") || !roomAllowed(p.rooms, state.room))
    throw new GatewayError("forbidden", "refresh token does not grant this room");
  if (isRevoked(await revocations(), { sub: p.id, jti: p.jti, iat: p.iat }, Math.floor(Date.now() / 1000)))
    throw new GatewayError("token_revoked", "token has been revoked");
  // Only user tokens reach here, so every scope is a user scope.
  return { ...state, scopes: p.scopes as UserScope[], exp: p.exp ?? state.exp, jti: p.jti, iat: p.iat };
}
