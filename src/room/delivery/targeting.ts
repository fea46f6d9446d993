// Who receives a message. Generic over the socket type so it is tested without a runtime.
import type { Exclude, Target } from "../../wire.ts";
import { connectionTag, userTag } from "../sockets/registry.ts";

/** `byTag(undefined)` is every socket of the room. */
export type SocketLookup<S> = (tag?: string) => S[];

export function selectRecipients<S>(byTag: SocketLookup<S>, to?: Target, exclude?: Exclude): S[] {
  let recipients: S[];
  // `to` present means targeted, even when its lists are empty: never widen to a broadcast.
  if (to === undefined) {
    recipients = byTag();
  } else {
    // A socket can match both a user and a connection id; a Set delivers it once.
    const set = new Set<S>();
    for (const u of to.users ?? []) for (const s of byTag(userTag(u))) set.add(s);
    for (const c of to.connections ?? []) for (const s of byTag(connectionTag(c))) set.add(s);
    recipients = [...set];
  }
  const excluded = exclude?.connections ?? [];
  if (excluded.length === 0) return recipients;
  const drop = new Set<S>();
  for (const c of excluded) for (const s of byTag(connectionTag(c))) drop.add(s);
  return recipients.filter((s) => !drop.has(s));
}
