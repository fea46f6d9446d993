// A WebSocket upgrade at one of the room's objects, forwarded by the Worker (or passed on by another
// object of the room). The layout is the room's, not the Worker's: a room keeps the shard count it
// started with, so an upgrade the layout puts elsewhere is passed on. Then the socket is admitted
// (caps, revocations), joins the room (a shard's first socket attaches the shard) and is accepted.
import type { TenantTerms } from "../control/terms.ts";
import type { Env } from "../env.ts";
import { errorResponse, GatewayError } from "../errors.ts";
import { NewerFormatError } from "../format-version.ts";
import { log } from "../log.ts";
import { decodeRoomConnect, IDENTITY_HEADER } from "../protocol.ts";
import { SUBPROTOCOL } from "../wire.ts";
import { connectToRoom, placeSocket } from "./client.ts";
import type { RoomEvents } from "./events/room-events.ts";
import type { Coordinator } from "./sharding/coordinator.ts";
import type { Shard } from "./sharding/shard.ts";
import type { SocketHost } from "./sockets/host.ts";

/** The parts of the object an upgrade passes through. */
export type ConnectParts = {
  env: Env;
  host: SocketHost;
  coordinator: Coordinator;
  shard: Shard;
  events: RoomEvents;
  /** The deployment's SHARD_PLACEMENT_KEY, to pass a socket on to its shard. */
  placementKey: string | undefined;
  /** Follows the tenant's terms the upgrade brings when they are newer than the object's. */
  learn: (terms: TenantTerms) => void;
};

export async function openSocket(request: Request, parts: ConnectParts): Promise<Response> {
  try {
    return await open(request, parts);
  } catch (err) {
    if (!(err instanceof NewerFormatError)) throw err;
    // A deploy or a rollback in progress: the client retries (500), and the object stays as it was.
    log("connect_refused", { error: err.message });
    return errorResponse(new GatewayError("internal", "the gateway is being updated; try again"));
  }
}

async function open(
  request: Request,
  { env, host, coordinator, shard: role, events, placementKey, learn }: ConnectParts,
): Promise<Response> {
  const connect = decodeRoomConnect(request.headers.get(IDENTITY_HEADER));
  const { member, shard } = connect;
  // Before admission and any replay: the caps and history age in force are the newest known.
  if (connect.terms !== undefined) learn(connect.terms);
  // Once per empty room: which webhook events anyone wants, before the join that may record one.
  const reading = events.ready(member);
  if (reading !== undefined) await reading;
  const passOn = (count: number) => {
    if (connect.hops >= 2) throw new GatewayError("internal", "the room's layout keeps changing");
    const there = placeSocket(member.tenant, member.id, count, placementKey);
    return connectToRoom(env, { ...connect, shard: there, hops: connect.hops + 1 });
  };
  const layout = shard === undefined ? coordinator.count : role.ref?.count;
  if (layout !== undefined && layout !== (shard?.count ?? 1)) return passOn(layout);
  const admitted = await host.admit(member, shard);
  if (admitted instanceof GatewayError) return errorResponse(admitted);
  try {
    const refused = shard === undefined ? undefined : await role.join(member, shard);
    if (refused !== undefined) return passOn(refused);
    const { 0: client, 1: server } = new WebSocketPair();
    await host.accept(server, member, shard, connect.since);
    const headers = connect.subprotocol ? { "sec-websocket-protocol": SUBPROTOCOL } : undefined;
    return new Response(null, { status: 101, webSocket: client, headers });
  } finally {
    admitted();
  }
}
