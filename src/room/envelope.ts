// Frame encoding for the hot path: a message is encoded once per publish and the payload's JSON is
// spliced in as already serialized, so nothing is parsed or serialized per recipient.
import type { Sender, WelcomeFrame } from "../protocol.ts";

export type MessageMeta = { id: string; seq: number; room: string; event: string; sender: Sender; ts: number };

/** Same bytes as JSON.stringify of a MessageFrame, with `payloadJson` inserted verbatim. */
export function encodeMessageFrame(m: MessageMeta, payloadJson: string): string {
  return (
    `{"type":"message","id":${JSON.stringify(m.id)},"seq":${m.seq},"room":${JSON.stringify(m.room)},` +
    `"event":${JSON.stringify(m.event)},"payload":${payloadJson},` +
    `"sender":{"kind":${JSON.stringify(m.sender.kind)},"id":${JSON.stringify(m.sender.id)}},"ts":${m.ts}}`
  );
}

export function encodeWelcome(w: Omit<WelcomeFrame, "type">): string {
  const frame: WelcomeFrame = { type: "welcome", ...w };
  return JSON.stringify(frame);
}
