// Whether a member may open a socket here: connection caps (a shard takes its even share of the
// room's), then the tenant's revocations. The caps are checked and a place reserved in one
// synchronous step, before the one await (the tenant, when the cached list's lease has run out), so
// a connect that waits holds its place and concurrent connects can never overshoot a cap.
import type { Config } from "../../config.ts";
import { GatewayError } from "../../errors.ts";
import type { Member } from "../../protocol.ts";
import type { ShardRef } from "../sharding/placement.ts";
import { type SocketRegistry, userTag } from "./registry.ts";
import type { RevocationGate } from "./revocation-gate.ts";

export type Caps = { perUser: number; perRoom: number };

export class Admissions {
  private readonly pendingByUser = new Map<string, number>();
  private pendingTotal = 0;
  private readonly config: Config;
  private readonly sockets: SocketRegistry;
  private readonly gate: RevocationGate;

  constructor(config: Config, sockets: SocketRegistry, gate: RevocationGate) {
    this.config = config;
    this.sockets = sockets;
    this.gate = gate;
  }

  /** The place's release (call it once the socket is accepted or refused), or the refusal. */
  async admit(member: Member, shard: ShardRef | undefined): Promise<GatewayError | (() => void)> {
    const caps = {
      perUser: this.config.maxConnectionsPerUser,
      perRoom: Math.ceil(this.config.maxConnectionsPerRoom / (shard?.count ?? 1)),
    };
    const reserved = this.reserve(member.id, this.sockets.countOpen(userTag(member.id)), this.sockets.count(), caps);
    if (reserved instanceof GatewayError) return reserved;
    try {
      if (await this.gate.isRevoked(member, shard, member)) {
        reserved();
        return new GatewayError("token_revoked", "token has been revoked");
      }
    } catch (err) {
      reserved();
      throw err;
    }
    return reserved;
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
