// Resume and dedupe: the client remembers the last seq it delivered and asks for everything after
// it on reconnect. A seq gap is never treated as loss (targeted messages skip other clients);
// only `recovered: false` or a room whose numbering went backwards means something was missed.

export type ResyncReason =
  /** The gateway's history no longer reaches back to the last seen seq. */
  | "history_gap"
  /** The room's numbering restarted below the last seen seq (its storage was reset). */
  | "seq_reset"
  /** A resume was asked for but the gateway did not say whether it recovered. */
  | "not_resumed";

/** What the app missed: messages with `from < seq <= to` may never arrive; fetch state or history instead. */
export type Resync = { reason: ResyncReason; from: number; to: number };

export type WelcomeOutcome = { lastSeq: number; resync?: Resync };

/** Applies a `welcome` to the last delivered seq (undefined before the first connect). */
export function applyWelcome(
  lastSeq: number | undefined,
  welcome: { seq: number; recovered?: boolean },
): WelcomeOutcome {
  // A first connect starts at the room's present: live messages follow.
  if (lastSeq === undefined || welcome.seq === lastSeq) return { lastSeq: welcome.seq };
  if (welcome.seq < lastSeq)
    return { lastSeq: welcome.seq, resync: { reason: "seq_reset", from: lastSeq, to: welcome.seq } };
  // Recovered: the replay (seq in (lastSeq, welcome.seq]) follows the welcome, so keep lastSeq.
  if (welcome.recovered === true) return { lastSeq };
  const reason = welcome.recovered === false ? "history_gap" : "not_resumed";
  // The app resyncs up to welcome.seq; anything at or below it that still arrives is stale.
  return { lastSeq: welcome.seq, resync: { reason, from: lastSeq, to: welcome.seq } };
}

/** Whether a message is new: duplicates of a replay or a retried delivery have seq <= lastSeq. */
export function isNewMessage(lastSeq: number | undefined, seq: number): boolean {
  return lastSeq === undefined || seq > lastSeq;
}
