// Where a room's sockets live when it is sharded, as pure functions: which shard a user lands on,
// the room's and its shard objects' names, and the shard a connection id names. Free of Worker
// types, so the Node-side benchmark places its users with the same code.
import { fnv1a } from "../../fnv1a.ts";
import { sha256HexSync } from "../../sha256.ts";
import type { Target } from "../../wire.ts";

/** One object per tenant+room: the same room name in two tenants is two rooms. `/` is in neither. */
export const roomObjectName = (tenant: string, room: string) => `${tenant}/${room}`;

/** A socket host inside a sharded room. */
export type ShardRef = { index: number; count: number };

/**
 * One user's sockets all land on one shard, so per-user caps, user targeting and user kicks touch one
 * shard. With the deployment's `SHARD_PLACEMENT_KEY` the shard is a keyed hash (SHA-256 over the
 * secret, then tenant and sub), so nobody without the secret can choose users that share a shard;
 * without it, the unkeyed FNV-1a of earlier versions, so an installation that sets no key keeps
 * every user on the shard it had. Synchronous: the Worker places a socket before any await.
 */
export function shardOf(tenant: string, sub: string, count: number, key: string | undefined): number {
  const hash =
    key === undefined
      ? fnv1a(`${tenant}\u0000${sub}`)
      : Number.parseInt(sha256HexSync(`${key}\u0000${tenant}\u0000${sub}`).slice(0, 8), 16);
  return hash % count;
}

/** A shard object's name: the room's own name (the coordinator's) plus `#<index>`. */
export const shardObjectName = (tenant: string, room: string, index: number) =>
  `${roomObjectName(tenant, room)}#${index}`;

/** The object that holds a socket: the room's own object, or one of its shards. */
export const hostObjectName = (tenant: string, room: string, shard: ShardRef | undefined) =>
  shard === undefined ? roomObjectName(tenant, room) : shardObjectName(tenant, room, shard.index);

/**
 * Connection ids in a sharded room start with their shard (`3.<uuid>`), so a message or kick aimed
 * at a connection goes to one shard. Unsharded rooms keep plain UUIDs.
 */
export function newConnectionId(shard: ShardRef | undefined): string {
  const id = crypto.randomUUID();
  return shard === undefined ? id : `${shard.index}.${id}`;
}

/** The shard a connection id names, or undefined when it names none of `count` shards. */
export function shardOfConnection(connectionId: string, count: number): number | undefined {
  const match = /^(\d{1,2})\./.exec(connectionId);
  const index = match === null ? undefined : Number(match[1]);
  return index !== undefined && index < count ? index : undefined;
}

/**
 * The shards a message must reach: every live shard for a broadcast; for a targeted message, only
 * the live shards holding a named user or connection (a connection id without a shard prefix could
 * be anywhere, so it reaches every live shard).
 */
export function shardsFor(
  target: Target | undefined,
  tenant: string,
  live: ReadonlySet<number>,
  count: number,
  key: string | undefined,
): number[] {
  if (target === undefined) return [...live];
  const wanted = new Set<number>();
  for (const u of target.users ?? []) wanted.add(shardOf(tenant, u, count, key));
  for (const c of target.connections ?? []) {
    const index = shardOfConnection(c, count);
    if (index === undefined) return [...live];
    wanted.add(index);
  }
  return [...wanted].filter((i) => live.has(i));
}
