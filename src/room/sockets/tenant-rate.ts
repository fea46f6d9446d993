// A socket's publish frames against its tenant's publishPerSecond: the same slots of
// TENANT_PUBLISH_LIMITER the Worker charges HTTP publishes to (src/control/publish-rate.ts), so a
// tenant has one budget however it publishes. The limit comes from the tenant's terms this object
// holds; a tenant without it costs nothing here. The binding may answer two calls in either order,
// so one socket's charges are chained: its publishes still reach the room in the order its frames came.
import { chargeTenantPublishes } from "../../control/publish-rate.ts";

export class TenantPublishRate {
  private readonly limiter: RateLimit;
  /** Per socket, the charge the next one waits for (never rejected). */
  private readonly tails = new Map<WebSocket, Promise<void>>();

  constructor(limiter: RateLimit) {
    this.limiter = limiter;
  }

  /** Takes one publish of `ws`'s from its tenant's budget after the socket's earlier ones; refuses past it. */
  charge(ws: WebSocket, tenant: string, perSecond: number): Promise<void> {
    const before = this.tails.get(ws) ?? Promise.resolve();
    const mine = before.then(() => chargeTenantPublishes(this.limiter, tenant, perSecond, 1));
    const tail = mine.catch(() => {});
    this.tails.set(ws, tail);
    void tail.then(() => {
      if (this.tails.get(ws) === tail) this.tails.delete(ws);
    });
    return mine;
  }
}
