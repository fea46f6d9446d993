// Resume and history rules, pure: what a user may see and whether a resume is complete.
import type { StoredMessage } from "./room-store.ts";

/** A user sees broadcasts and messages targeted at them; an API key (viewer undefined) sees all. */
export function visibleTo(m: StoredMessage, viewer: string | undefined): boolean {
  return viewer === undefined || m.audience === undefined || m.audience.includes(viewer);
}

/**
 * A resume from `since` is complete when nothing after it has been pruned: either the client is
 * already current, or the oldest retained message directly follows `since`.
 */
export function canRecover(since: number, lastSeq: number, oldestRetained: number | undefined): boolean {
  if (since > lastSeq) return false;
  if (since === lastSeq) return true;
  return oldestRetained !== undefined && oldestRetained <= since + 1;
}

/** `{"messages":[…],"seq":n}` built from stored frames without parsing them. */
export function encodeHistoryPage(frames: string[], lastSeq: number): string {
  return `{"messages":[${frames.join(",")}],"seq":${lastSeq}}`;
}
