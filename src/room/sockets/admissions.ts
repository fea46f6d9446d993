// Whether a member may open a socket here: connection caps (per user; the room's — the tenant's
// maxRoomConnections, else the global one), then the tenant's revocations and status, then, on a
// shard, a place under the room's cap granted by the room's coordinator (so the cap holds for the
// room as a whole however its users fall over shards), then a place under the tenant's
// maxConnections (both connection-grant.ts). The caps are checked and a place reserved in one
// synchronous step, before any await (the tenant, the coordinator, the tenant's grant), so
// a connect that waits holds its place and concurrent connects can never overshoot a cap.
import type { Config } from "../../config.ts";
import { isOpen, limitsOf } from "../../control/terms.ts";
import { GatewayError } from "../../errors.ts";
import type { Member } from "../../protocol.ts";
import { hostObjectName, type ShardRef } from "../sharding/placement.ts";
import type { ConnectionGrant, GrantHolder } from "./connection-grant.ts";
import { type SocketRegistry, userTag } from "./registry.ts";
import type { RevocationGate } from "./revocation-gate.ts";

const OBJECT_SOCKETS_MAX = 32_768;

export type Caps = { perUser: number; perRoom: number };

export class Admissions {
  private readonly pendingByUser = new Map<string, number>();
  private pendingTotal = 0;
  private readonly config: Config;
  private readonly sockets: SocketRegistry;
  private readonly gate: RevocationGate;
  /** Places under the tenant's maxConnections, granted by the tenant's object. */
  private readonly grant: ConnectionGrant;
  /** A shard's places under the room's cap, granted by the room's coordinator. */
  private readonly places: ConnectionGrant;

  constructor(
    config: Config,
    sockets: SocketRegistry,
    gate: RevocationGate,
    grants: { tenant: ConnectionGrant; room: ConnectionGrant },
  ) {
    this.config = config;
    this.sockets = sockets;
    this.gate = gate;
    this.grant = grants.tenant;
    this.places = grants.room;
  }

  /** The place's release (call it once the socket is accepted or refused), or the refusal. */
  async admit(member: Member, shard: ShardRef | undefined): Promise<GatewayError | (() => void)> {
    const caps = {
      perUser: this.config.maxConnectionsPerUser,
      perRoom: limitsOf(this.gate.terms, this.config).maxRoomConnections,
    };
    // One object holds at most 32,768 hibernatable sockets, however many places the room has.
    const local = { ...caps, perRoom: Math.min(caps.perRoom, OBJECT_SOCKETS_MAX) };
    const reserved = this.reserve(member.id, this.sockets.countOpen(userTag(member.id)), this.sockets.count(), local);
    if (reserved instanceof GatewayError) return reserved;
    const held = [reserved];
    const release = () => {
      for (const r of held) r();
    };
    try {
      const refusal = await this.refusal(member, shard);
      if (refusal !== undefined) {
        release();
        return refusal;
      }
      // The tenant's terms as the revocation check left them (it may have fetched them).
      const limits = limitsOf(this.gate.terms, this.config);
      // A shard's sockets count against the room's cap as a whole: places granted by the coordinator.
      const roomPlace =
        shard === undefined
          ? () => {}
          : await this.places.take(holderOf(member, shard), () => this.sockets.count(), limits.maxRoomConnections);
      if (roomPlace === undefined) {
        release();
        return new GatewayError("too_many_connections", `at most ${limits.maxRoomConnections} connections per room`);
      }
      held.push(roomPlace);
      const place = await this.grant.take(holderOf(member, shard), () => this.sockets.count(), limits.maxConnections);
      if (place === undefined) {
        release();
        return new GatewayError("too_many_connections", `at most ${limits.maxConnections} connections for this tenant`);
      }
      held.push(place);
      return release;
    } catch (err) {
      release();
      throw err;
    }
  }

  /** Why the tenant's revocations or status refuse `member`, if they do. */
  private async refusal(member: Member, shard: ShardRef | undefined): Promise<GatewayError | undefined> {
    if (await this.gate.isRevoked(member, shard, member))
      return new GatewayError("token_revoked", "token has been revoked");
    if (!isOpen(this.gate.terms))
      return new GatewayError("tenant_suspended", `this tenant is ${this.gate.terms.status}`);
    return undefined;
  }

  /** A socket of `member` left: places under the tenant's maxConnections this object no longer needs go back. */
  departed(member: Member, shard: ShardRef | undefined): void {
    const limits = limitsOf(this.gate.terms, this.config);
    void this.grant.settle(holderOf(member, shard), this.sockets.count(), limits.maxConnections);
    if (shard !== undefined)
      void this.places.settle(holderOf(member, shard), this.sockets.count(), limits.maxRoomConnections);
  }

  /** New terms from the tenant: under a maxConnections, the sockets held here are counted there. */
  termsChanged(member: Member, shard: ShardRef | undefined): void {
    const max = limitsOf(this.gate.terms, this.config).maxConnections;
    if (max !== null) void this.grant.report(holderOf(member, shard), this.sockets.count(), max);
  }

  /** Connects holding a place while they wait: the object is not empty while any is pending. */
  get pending(): number {
    return this.pendingTotal;
  }

  /**
   * Reserves a place for a socket of `sub`, given the sockets already open for that user and in the
   * object; returns the function that gives the place back (call it once the socket is accepted or
   * refused; a second call does nothing), or the cap that refuses.
   */
  private reserve(sub: string, openOfUser: number, openInRoom: number, caps: Caps): GatewayError | (() => void) {
    const ofUser = this.pendingByUser.get(sub) ?? 0;
    if (openOfUser + ofUser >= caps.perUser)
      return new GatewayError("too_many_connections", `at most ${caps.perUser} connections per user`);
    if (openInRoom + this.pendingTotal >= caps.perRoom)
      return new GatewayError("too_many_connections", `at most ${caps.perRoom} connections per room`);
    this.pendingByUser.set(sub, ofUser + 1);
    this.pendingTotal++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.pendingTotal--;
      const left = (this.pendingByUser.get(sub) ?? 1) - 1;
      if (left === 0) this.pendingByUser.delete(sub);
      else this.pendingByUser.set(sub, left);
    };
  }
}

const holderOf = (m: Member, shard: ShardRef | undefined): GrantHolder => ({
  tenant: m.tenant,
  room: m.room,
  object: hostObjectName(m.tenant, m.room, shard),
});
