// A tenant's maxConnections across every room and shard, kept by the tenant's object as grants: an
// object holding sockets asks for a block of places before admitting past its grant, admits within
// its grant without asking again, and settles back to what it holds when it needs far less. Every
// ask and settle states what the object holds, so an object that forgot its grant (its memory is
// lost when it hibernates) is set right by its next ask, never counted twice. A grant never exceeds
// what is left under the limit, so admissions never overshoot it; the price is that places granted
// and not yet used are unavailable to other rooms for a while (the block size bounds how many). Pure.

/** What each socket-holding object was granted and has not given back. */
export type Grants = ReadonlyMap<string, number>;

/** Places asked for at once: one object's unused places are at most about this many. */
export const GRANT_BLOCK = 8;

export function granted(grants: Grants): number {
  let total = 0;
  for (const n of grants.values()) total += n;
  return total;
}

/**
 * The grant of `object`, which holds `holding` sockets and asks for up to `want` more places (0:
 * it only says what it holds). What it holds stays granted (a limit lowered below it closes
 * nothing). One more place is granted if the limit leaves room once every other object's grant is
 * counted, and spare places only from a quarter of what would still be left: far from the limit an
 * object asks once per block, near it once per connect, so no room's spare places starve another's.
 */
export function regrant(grants: Grants, object: string, holding: number, want: number, max: number | null): number {
  const held = Math.max(0, holding);
  const asked = Math.max(0, want);
  if (max === null) return held + asked;
  const need = held + Math.min(1, asked);
  const room = max - (granted(grants) - (grants.get(object) ?? 0));
  if (room < need) return held;
  return need + Math.min(Math.max(0, asked - 1), Math.floor((room - need) / 4));
}
