// Whether a member may open a socket here: connection caps (a shard takes its even share of the
// room's; the tenant's maxRoomConnections, else the global one), then the tenant's revocations and
// status, then a place under the tenant's maxConnections (connection-grant.ts). The caps are checked and a place reserved in one
// synchronous step, before the one await (the tenant, when the cached list's lease has run out), so
// a connect that waits holds its place and concurrent connects can never overshoot a cap.
import type { Config } from "../../config.ts";
import { isOpen, limitsOf } from "../../control/terms.ts";
import { GatewayError } from "../../errors.ts";
import type { Member } from "../../protocol.ts";
import { hostObjectName, type ShardRef } from "../sharding/placement.ts";
import type { ConnectionGrant, GrantHolder } from "./connection-grant.ts";
import { type SocketRegistry, userTag } from "./registry.ts";
import type { RevocationGate } from "./revocation-gate.ts";

export type Caps = { perUser: number; perRoom: number };

export class Admissions {
  private readonly pendingByUser = new Map<string, number>();
  private pendingTotal = 0;
  private readonly config: Config;
  private readonly sockets: SocketRegistry;
  private readonly gate: RevocationGate;
  private readonly grant: ConnectionGrant;

  constructor(config: Config, sockets: SocketRegistry, gate: RevocationGate, grant: ConnectionGrant) {
    this.config = config;
    this.sockets = sockets;
    this.gate = gate;
    this.grant = grant;
  }

  /** The place's release (call it once the socket is accepted or refused), or the refusal. */
  async admit(member: Member, shard: ShardRef | undefined): Promise<GatewayError | (() => void)> {
    const caps = {
      perUser: this.config.maxConnectionsPerUser,
      perRoom: Math.ceil(limitsOf(this.gate.terms, this.config).maxRoomConnections / (shard?.count ?? 1)),
    };
    const reserved = this.reserve(member.id, this.sockets.countOpen(userTag(member.id)), this.sockets.count(), caps);
    if (reserved instanceof GatewayError) return reserved;
    try {
      if (await this.gate.isRevoked(member, shard, member)) {
        reserved();
        return new GatewayError("token_revoked", "token has been revoked");
      }
      if (!isOpen(this.gate.terms)) {
        reserved();
        return new GatewayError("tenant_suspended", `this tenant is ${this.gate.terms.status}`);
      }
      const max = limitsOf(this.gate.terms, this.config).maxConnections;
      const place = await this.grant.take(holderOf(member, shard), () => this.sockets.count(), max);
      if (place === undefined) {
        reserved();
        return new GatewayError("too_many_connections", `at most ${max} connections for this tenant`);
      }
      return () => {
        place();
        reserved();
      };
    } catch (err) {
      reserved();
      throw err;
    }
  }

  /** A socket of `member` left: places under the tenant's maxConnections this object no longer needs go back. */
  departed(member: Member, shard: ShardRef | undefined): void {
    const max = limitsOf(this.gate.terms, this.config).maxConnections;
    void this.grant.settle(holderOf(member, shard), this.sockets.count(), max);
  }

  /** New terms from the tenant: under a maxConnections, the sockets held here are counted there. */
  termsChanged(member: Member, shard: ShardRef | undefined): void {
    if (limitsOf(this.gate.terms, this.config).maxConnections !== null)
      void this.grant.report(holderOf(member, shard), this.sockets.count());
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
  object: hostObjectName(m.tenant, m.room, shard),
});
