// The rooms list's cursor: the sort it belongs to and the last entry served, as base64url JSON.
// Opaque to clients; a cursor that does not decode, or belongs to the other sort, is a clear 400.
import { GatewayError } from "../errors.ts";
import { roomsCursorSchema } from "../protocol.ts";
import type { RoomEntry, RoomsAfter, RoomsSort } from "./rooms-index.ts";

const toBase64Url = (text: string) => btoa(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
const fromBase64Url = (text: string) => atob(text.replaceAll("-", "+").replaceAll("_", "/"));

export function encodeRoomsCursor(sort: RoomsSort, last: RoomEntry): string {
  const after = sort === "name" ? { sort, room: last.room } : { sort, room: last.room, connections: last.connections };
  return toBase64Url(JSON.stringify(after));
}

export function decodeRoomsCursor(cursor: string | undefined, sort: RoomsSort): RoomsAfter | undefined {
  if (cursor === undefined) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(fromBase64Url(cursor));
  } catch {
    raw = undefined;
  }
  const parsed = roomsCursorSchema.safeParse(raw);
  if (!parsed.success) throw new GatewayError("invalid_query", "cursor is not one this API gave out");
  if (parsed.data.sort !== sort)
    throw new GatewayError("invalid_query", `cursor belongs to sort=${parsed.data.sort}: ask with the same sort`);
  return { room: parsed.data.room, connections: parsed.data.connections };
}
