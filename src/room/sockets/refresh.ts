// A refresh token's checks, apart from the socket: same tenant and sub, still granted the room,
// not revoked. Returns the connection's next state or throws the error to send.
import { verifyUserToken } from "../../auth/jwt.ts";
import { hasScope, roomAllowed } from "../../auth/principal.ts";
import type { Config } from "../../config.ts";
import { GatewayError } from "../../errors.ts";
import type { TokenRef } from "../../tenant/revocations.ts";
import { memberOf } from "../client.ts";
import type { ConnectionState } from "./attachment.ts";

export async function refreshedState(
  config: Config,
  state: ConnectionState,
  token: string,
  isRevoked: (t: TokenRef) => Promise<boolean>,
  now: Date,
): Promise<ConnectionState> {
  const p = await verifyUserToken(config, token, now);
  if (p.tenant !== state.tenant || p.id !== state.id)
    throw new GatewayError("forbidden", "refresh token is for another user");
  if (!hasScope(p, "subscribe") || !roomAllowed(p.rooms, state.room))
    throw new GatewayError("forbidden", "refresh token does not grant this room");
  if (await isRevoked(p)) throw new GatewayError("token_revoked", "token has been revoked");
  // The socket keeps its id, age and options; the token decides everything else (a token without
  // scope `presence` stops presence frames).
  return { ...state, ...memberOf(p, state.room, state) };
}
