import type { ConnectionState } from "./connection.ts";

/** Earliest token expiry among `states`, in epoch milliseconds, for the expiry alarm. */
export function earliestExpiryMs(states: Iterable<ConnectionState>): number | undefined {
  let earliest: number | undefined;
  for (const s of states) if (earliest === undefined || s.exp < earliest) earliest = s.exp;
  return earliest === undefined ? undefined : earliest * 1000;
}

export function isExpired(s: ConnectionState, nowMs: number): boolean {
  return s.exp * 1000 <= nowMs;
}
