// The rows of the room's history as SQL reads them, and the messages they become. The read
// queries select who may see a row in SQL, so no read loads or parses a row meant for others.
import type { Tags } from "../../wire.ts";

/** A message as a reader gets it: who else it was for is not read at all. */
export type ReadableMessage = {
  seq: number;
  /** The frame exactly as it was sent. */
  frame: string;
  /** The frame's event and tags, kept beside it so filters never parse frames. */
  event: string;
  tags: Tags | undefined;
};

export type StoredMessage = ReadableMessage & {
  /** Subs a targeted message was meant for; undefined when it went to everyone. */
  audience: string[] | undefined;
  /**
   * Connections the publish excluded: a shard filling a gap delivers the message live, so it
   * leaves them out too (a replay or history read is not theirs to filter: they are not live).
   */
  exclude?: string[] | undefined;
};

export type ReadableRow = { seq: number; frame: string; event: string; tags: string | null };
export type Row = ReadableRow & { audience: string | null; exclude: string | null };

const READABLE = "SELECT seq, frame, event, tags FROM messages";
/** Each query takes: after, up to, oldest timestamp kept. */
export const ALL = `${READABLE} WHERE seq > ? AND seq <= ? AND ts >= ? ORDER BY seq`;
export const BROADCASTS = `${READABLE} INDEXED BY messages_broadcasts
  WHERE audience IS NULL AND seq > ? AND seq <= ? AND ts >= ? ORDER BY seq`;
/** Takes the user first. */
export const TARGETED_AT = `SELECT m.seq, m.frame, m.event, m.tags FROM recipients AS r JOIN messages AS m ON m.seq = r.seq
  WHERE r.sub = ? AND r.seq > ? AND r.seq <= ? AND m.ts >= ? ORDER BY r.seq`;

export function readable(r: ReadableRow): ReadableMessage {
  return { seq: r.seq, frame: r.frame, event: r.event, tags: r.tags === null ? undefined : parseTags(r.tags) };
}

export function* mapRows(rows: Iterable<ReadableRow>): Generator<ReadableMessage> {
  for (const r of rows) yield readable(r);
}

/** The audience and exclude columns only ever hold what `append` wrote: a JSON array of strings. */
export function parseStrings(text: string): string[] {
  const value: unknown = JSON.parse(text);
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** The tags column only ever holds what `append` wrote: a JSON object of strings. */
function parseTags(text: string): Tags {
  const value: unknown = JSON.parse(text);
  if (typeof value !== "object" || value === null) return {};
  return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === "string"));
}
