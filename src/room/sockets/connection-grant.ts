// A limit over many objects, seen from one object holding sockets: a socket is admitted only within
// the places the limit's owner granted this object (src/control/connection-budget.ts) — the
// tenant's object for its maxConnections, a sharded room's coordinator for the room's cap. Past its
// grant the object asks for more, one ask at a time and stating the places it uses (open sockets
// and connects already admitted), so concurrent connects never count a place twice; when it needs
// far less it settles back. Without the limit it costs no call at all.
import { GRANT_BLOCK } from "../../control/connection-budget.ts";
import { log } from "../../log.ts";

/** The object asking: its tenant and room, and its own name (the grant is kept under it). */
export type GrantHolder = { tenant: string; room: string; object: string };

/** The limit's owner, as the holder reaches it (one for the holder's life, so calls arrive in order). */
export type GrantOwner = {
  /** `max` is the limit as the holder knows it (an owner that keeps the limit itself uses its own). */
  reserve(object: string, holding: number, want: number, max: number): Promise<number>;
  settle(object: string, keep: number): Promise<void>;
};

export class ConnectionGrant {
  /** Places granted as far as this object's memory knows (0 after a wake-up: the next ask says what it uses). */
  private granted = 0;
  /** Connects admitted under the grant and not yet open (or given up). */
  private admitted = 0;
  private asking: Promise<void> | undefined;
  /** The last grant was less than asked: the limit is near, so a place left goes back at once. */
  private tight = false;
  /** One owner's stub for the object's life: asks and settles arrive in the order they were made. */
  private stub: GrantOwner | undefined;
  private readonly ownerOf: (where: GrantHolder) => GrantOwner;

  constructor(ownerOf: (where: GrantHolder) => GrantOwner) {
    this.ownerOf = ownerOf;
  }

  /**
   * A place for one more socket beside `open()` ones, or undefined when the limit is reached.
   * The answer is the place's release: call it once the socket is open or refused.
   */
  async take(where: GrantHolder, open: () => number, max: number | null): Promise<(() => void) | undefined> {
    if (max === null) return () => {};
    while (this.asking !== undefined) await this.asking;
    if (open() + this.admitted >= this.granted) await this.ask(where, open() + this.admitted, GRANT_BLOCK, max);
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

  /** The limit was set or changed: the places used here are counted there from now on. */
  report(where: GrantHolder, open: number, max: number): Promise<void> {
    return this.ask(where, open + this.admitted, 0, max).catch((err: unknown) => {
      log("connection_report_failed", { object: where.object, error: String(err) });
    });
  }

  /**
   * A socket left, `open` are left: places far beyond need go back (near the limit, every unused
   * one, so another holder can have it), and all of them when none is used any more (even those granted before a wake-up, which this memory does not know of).
   */
  settle(where: GrantHolder, open: number, max: number | null): Promise<void> | undefined {
    const using = open + this.admitted;
    const emptied = using === 0 && (max !== null || this.granted > 0);
    const unused = this.granted - using;
    if (!emptied && unused < 2 * GRANT_BLOCK && !(this.tight && unused > 0)) return undefined;
    this.granted = using === 0 || this.tight ? using : using + GRANT_BLOCK;
    return this.owner(where)
      .settle(where.object, this.granted)
      .catch((err: unknown) => {
        // The owner keeps counting the places until this object's next ask states what it uses.
        this.stub = undefined;
        log("connection_settle_failed", { object: where.object, error: String(err) });
      });
  }

  private ask(where: GrantHolder, using: number, want: number, max: number): Promise<void> {
    const asked = this.owner(where)
      .reserve(where.object, using, want, max)
      .then(
        (grant) => {
          this.granted = grant;
          this.tight = grant < using + want;
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

  private owner(where: GrantHolder): GrantOwner {
    this.stub ??= this.ownerOf(where);
    return this.stub;
  }
}
