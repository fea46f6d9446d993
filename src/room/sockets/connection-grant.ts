// The tenant's maxConnections in an object holding its sockets: a socket is admitted only within the
// places the tenant's object granted this object (src/control/connection-budget.ts). Past its
// grant the object asks for more, one ask at a time and stating the places it uses (open sockets
// and connects already admitted), so concurrent connects never count a place twice; when it needs
// far less it settles back. A tenant without the limit costs no call at all.
import { GRANT_BLOCK } from "../../control/connection-budget.ts";
import type { Env } from "../../env.ts";
import { log } from "../../log.ts";
import { tenantStub } from "../../tenant/tenant.ts";

/** Where the grant is kept: the tenant's object, under this object's name. */
export type GrantHolder = { tenant: string; object: string };

export class ConnectionGrant {
  /** Places granted as far as this object's memory knows (0 after a wake-up: the next ask says what it uses). */
  private granted = 0;
  /** Connects admitted under the grant and not yet open (or given up). */
  private admitted = 0;
  private asking: Promise<void> | undefined;
  /** One stub for the object's life: asks and settles arrive in the order they were made. */
  private stub: ReturnType<typeof tenantStub> | undefined;
  private readonly env: Env;

  constructor(env: Env) {
    this.env = env;
  }

  /**
   * A place for one more socket beside `open()` ones, or undefined when the tenant is at its limit.
   * The answer is the place's release: call it once the socket is open or refused.
   */
  async take(where: GrantHolder, open: () => number, max: number | null): Promise<(() => void) | undefined> {
    if (max === null) return () => {};
    while (this.asking !== undefined) await this.asking;
    if (open() + this.admitted >= this.granted) await this.ask(where, open() + this.admitted, GRANT_BLOCK);
    // No await from this check to the count: concurrent connects see each other's places.
    if (open() + this.admitted >= this.granted) return undefined;
    this.admitted++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.admitted--;
    };
  }

  /** The tenant's limit was set or changed: the places used here are counted there from now on. */
  report(where: GrantHolder, open: number): Promise<void> {
    return this.ask(where, open + this.admitted, 0).catch((err: unknown) => {
      log("connection_report_failed", { object: where.object, error: String(err) });
    });
  }

  /**
   * A socket left, `open` are left: places far beyond need go back, and all of them when none is
   * used any more (even those granted before a wake-up, which this memory does not know of).
   */
  settle(where: GrantHolder, open: number, max: number | null): Promise<void> | undefined {
    const using = open + this.admitted;
    const emptied = using === 0 && (max !== null || this.granted > 0);
    if (!emptied && this.granted - using < 2 * GRANT_BLOCK) return undefined;
    this.granted = using === 0 ? 0 : using + GRANT_BLOCK;
    return this.tenant(where)
      .controlSettleConnections(where.object, this.granted)
      .catch((err: unknown) => {
        // The tenant keeps counting the places until this object's next ask states what it uses.
        this.stub = undefined;
        log("connection_settle_failed", { object: where.object, error: String(err) });
      });
  }

  private ask(where: GrantHolder, using: number, want: number): Promise<void> {
    const asked = this.tenant(where)
      .controlReserveConnections(where.object, using, want)
      .then(
        (grant) => {
          this.granted = grant;
        },
        (err: unknown) => {
          this.stub = undefined;
          throw err;
        },
      )
      .finally(() => {
        this.asking = undefined;
      });
    this.asking = asked.catch(() => {});
    return asked;
  }

  private tenant(where: GrantHolder): ReturnType<typeof tenantStub> {
    this.stub ??= tenantStub(this.env, where.tenant);
    return this.stub;
  }
}
