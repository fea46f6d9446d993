// Where a gateway room's sockets are, from the operator endpoint GET /v1/admin/rooms/{room}: the
// proof that a sharded run really spread its subscribers (a `--var` that did not apply would
// otherwise pass for a cheap hop).
import { z } from "zod";
import { boundedFetch } from "./bounded-fetch.ts";

const roomInfoSchema = z.object({
  seq: z.number(),
  connections: z.number(),
  shards: z.array(z.object({ shard: z.number(), connections: z.number() })),
});

export type RoomLayout = z.infer<typeof roomInfoSchema>;

const LAYOUT_TIMEOUT_MS = 10_000;

export async function fetchRoomLayout(url: string, headers: Record<string, string>): Promise<RoomLayout> {
  const res = await boundedFetch(url, { headers }, LAYOUT_TIMEOUT_MS);
  const { text } = res;
  if (!res.ok) throw new Error(`room layout: ${url} answered ${res.status}: ${text.slice(0, 200)}`);
  return roomInfoSchema.parse(JSON.parse(text));
}

/** Why `layout` is not `sockets` spread over `shards` live shards, or undefined when it is. */
export function layoutMismatch(layout: RoomLayout, sockets: number, shards: number): string | undefined {
  const held = layout.shards.filter((s) => s.connections > 0).length;
  if (layout.connections !== sockets) return `the room holds ${layout.connections} sockets, not ${sockets}`;
  if (held !== shards) return `the room's sockets are on ${held} shards, not ${shards}`;
  return undefined;
}
