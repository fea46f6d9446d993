// A tenant's maxConnections across every room and shard, kept by the tenant's object as grants: an
// object holding sockets asks for a few places before admitting, admits from what it was granted
// without asking again, and gives back what it no longer needs. A grant never exceeds what is left
// under the limit, so admissions can never overshoot it; the price is that places granted and not
// yet used are unavailable to other rooms for a while (the grant size bounds how many). Pure.

/** What each socket-holding object was granted and has not given back. */
export type Grants = ReadonlyMap<string, number>;

/** Places asked for at once: one object's unused places are at most this many. */
export const GRANT_BLOCK = 8;

export function granted(grants: Grants): number {
  let total = 0;
  for (const n of grants.values()) total += n;
  return total;
}

/**
 * How many of `want` places `object` gets: all of them without a limit, else what is left under
 * `max` (0 when the tenant is at its limit, or over it after the limit was lowered).
 */
export function grant(grants: Grants, want: number, max: number | null): number {
  if (want <= 0) return 0;
  if (max === null) return want;
  return Math.max(0, Math.min(want, max - granted(grants)));
}

/** The object's grant after it gives `count` back (never below zero). */
export function afterRelease(current: number, count: number): number {
  return Math.max(0, current - Math.max(0, count));
}
