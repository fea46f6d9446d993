// The owners a socket-holding object asks for places (connection-grant.ts): the tenant's object
// for the tenant's maxConnections, and a sharded room's coordinator for the room's cap.
import type { Env } from "../../env.ts";
import { tenantStub } from "../../tenant/tenant.ts";
import { roomStub } from "../client.ts";
import { RPC_VERSION } from "../rpc.ts";
import type { GrantHolder, GrantOwner } from "./connection-grant.ts";

/** The tenant's object keeps its own maxConnections: the holder's view of it is not sent. */
export function tenantOwner(env: Env): (where: GrantHolder) => GrantOwner {
  return (where) => {
    const tenant = tenantStub(env, where.tenant);
    return {
      reserve: (object, holding, want) => tenant.controlReserveConnections(object, holding, want),
      settle: (object, keep) => tenant.controlSettleConnections(object, keep),
    };
  };
}

/** The room's coordinator counts its shards' places under the cap the shard knows from its terms. */
export function coordinatorOwner(env: Env): (where: GrantHolder) => GrantOwner {
  return (where) => {
    const room = roomStub(env, where.tenant, where.room);
    return {
      reserve: (object, holding, want, max) => room.reserveRoomPlaces(object, holding, want, max, RPC_VERSION),
      settle: (object, keep) => room.settleRoomPlaces(object, keep, RPC_VERSION),
    };
  };
}
