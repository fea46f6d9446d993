// Connection caps, checked and reserved in one synchronous step: a connect that then waits for the
// tenant holds its place, so concurrent connects can never overshoot a cap.
import { GatewayError } from "../../errors.ts";

export type Caps = { perUser: number; perRoom: number };

export class Admissions {
  private readonly pendingByUser = new Map<string, number>();
  private pendingTotal = 0;

  /** Connects holding a place while they wait: the object is not empty while any is pending. */
  get pending(): number {
    return this.pendingTotal;
  }

  /**
   * Reserves a place for a socket of `sub`, given the sockets already open for that user and in the
   * object; returns the function that gives the place back (call it once the socket is accepted or
   * refused; a second call does nothing), or the cap that refuses.
   */
  reserve(sub: string, openOfUser: number, openInRoom: number, caps: Caps): GatewayError | (() => void) {
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
