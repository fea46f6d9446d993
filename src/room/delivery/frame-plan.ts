// What each socket is sent for a run of messages, as a pure function: a socket without `?batch=1`
// gets every message frame on its own, byte for byte as v1; a batch socket gets its messages in
// batch frames, each encoded once for every socket that receives exactly the same messages.
import { utf8ByteLength } from "../../utf8.ts";
import { encodeBatchFrame } from "../../wire.ts";

export type BatchLimits = { maxMessages: number; maxBytes: number };

/**
 * `recipients[i]` are the sockets message `i` is for (messages in seq order). Returns each
 * socket's frames, in order. A batch frame holds at most `maxMessages` and about `maxBytes` of
 * message frames (a single larger message still goes, alone).
 */
export function planFrames<S>(
  frames: readonly string[],
  recipients: readonly (readonly S[])[],
  isBatch: (s: S) => boolean,
  limits: BatchLimits,
): Map<S, string[]> {
  const out = new Map<S, string[]>();
  const lists = new Map<S, number[]>();
  recipients.forEach((sockets, i) => {
    for (const s of sockets) {
      if (!isBatch(s)) {
        const own = out.get(s);
        if (own === undefined) out.set(s, [frames[i] as string]);
        else own.push(frames[i] as string);
        continue;
      }
      const list = lists.get(s);
      if (list === undefined) lists.set(s, [i]);
      else list.push(i);
    }
  });
  const encoded = new Map<string, string[]>();
  for (const [s, list] of lists) {
    const key = list.join(",");
    let batch = encoded.get(key);
    if (batch === undefined) {
      batch = batchFrames(
        list.map((i) => frames[i] as string),
        limits,
      );
      encoded.set(key, batch);
    }
    out.set(s, batch);
  }
  return out;
}

/** One message goes as itself; more go as batch frames cut at the count and byte limits. */
export function batchFrames(frames: readonly string[], { maxMessages, maxBytes }: BatchLimits): string[] {
  if (frames.length === 1) return [frames[0] as string];
  const out: string[] = [];
  let chunk: string[] = [];
  let bytes = 0;
  const cut = () => {
    if (chunk.length === 0) return;
    out.push(chunk.length === 1 ? (chunk[0] as string) : encodeBatchFrame(chunk));
    chunk = [];
    bytes = 0;
  };
  for (const frame of frames) {
    const size = utf8ByteLength(frame) + 1;
    if (chunk.length >= maxMessages || (chunk.length > 0 && bytes + size > maxBytes)) cut();
    chunk.push(frame);
    bytes += size;
  }
  cut();
  return out;
}
