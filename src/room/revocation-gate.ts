// A socket host's side of revocations: it decides from a cached list while the list's lease holds,
// registers with the tenant (which answers for the token and refreshes the list) when it does not,
// and unregisters when its last socket has left.
import type { Env } from "../env.ts";
import { log } from "../log.ts";
import type { Revocation } from "../protocol.ts";
import type { TokenRef } from "../tenant/revocations.ts";
import { type Registration, tenantStub } from "../tenant/tenant.ts";
import { RevocationCache } from "./revocation-cache.ts";

export class RevocationGate {
  private readonly cache = new RevocationCache();
  /** One stub for the object's life: calls through one stub arrive in order (unregister, then register). */
  private tenant: ReturnType<typeof tenantStub> | undefined;
  private readonly env: Env;

  constructor(env: Env) {
    this.env = env;
  }

  /** `object` is the name the tenant pushes revocations to: the room's, or a shard's. */
  async isRevoked(tenant: string, object: string, token: TokenRef): Promise<boolean> {
    const sentAt = Date.now();
    if (!this.cache.fresh(sentAt)) {
      let answer: Registration;
      try {
        answer = await this.stub(tenant).register(object, token);
      } catch (err) {
        // A stub that saw a network error stays broken: the next call makes a new one.
        this.tenant = undefined;
        throw err;
      }
      if (answer.revoked) return true;
      this.cache.settle(answer.revocations, sentAt);
    }
    return this.cache.isRevoked(token, Math.floor(Date.now() / 1000));
  }

  /** A revocation pushed by the tenant. */
  pushed(r: Revocation): void {
    this.cache.add(r, Date.now());
  }

  /** Nothing is held any more: the tenant forgets this object, so the next connect must register again. */
  released(): void {
    this.cache.expire();
  }

  /** The last socket left: the tenant stops pushing here. */
  unregister(tenant: string, object: string): Promise<void> {
    this.released();
    return this.stub(tenant)
      .unregister(object)
      .catch((err: unknown) => {
        // The tenant's next push or sweep finds the object empty and forgets it then.
        log("unregister_failed", { object, error: String(err) });
        this.tenant = undefined;
      });
  }

  private stub(tenant: string): ReturnType<typeof tenantStub> {
    this.tenant ??= tenantStub(this.env, tenant);
    return this.tenant;
  }
}
