// The bodies of GET /v1/admin/usage and GET /v1/admin/rooms, read from every usage partition.
import type { Config } from "../config.ts";
import type { Env } from "../env.ts";
import { bucketRange, type RangeQuery, stepMs } from "./buckets.ts";
import { readLive, readRooms, readRows } from "./partitions.ts";
import { decodeRoomsCursor, encodeRoomsCursor } from "./rooms-cursor.ts";
import type { RoomEntry, RoomsSort } from "./rooms-index.ts";
import { assembleBuckets, totalsOf, type UsageBucket, type UsageTotals } from "./series.ts";
import type { LiveTotals } from "./usage.ts";

export type UsageAnswer = {
  step: RangeQuery["step"];
  /** The first bucket's start and the last bucket's end (RFC 3339): the asked range rounded out to whole steps. */
  from: string;
  to: string;
  /** Sockets open now and the rooms holding them, as the rooms list sees them. */
  live: LiveTotals;
  buckets: UsageBucket[];
  totals: UsageTotals;
};

export async function usageAnswer(
  env: Env,
  config: Config,
  tenant: string,
  q: RangeQuery,
  nowMs: number,
): Promise<UsageAnswer> {
  const range = bucketRange(q, nowMs);
  const unit = stepMs(range.step);
  const [rows, live] = await Promise.all([readRows(env, config, tenant, range), readLive(env, config, tenant)]);
  const buckets = assembleBuckets(range, rows);
  return {
    step: range.step,
    from: new Date(range.first * unit).toISOString(),
    to: new Date((range.last + 1) * unit).toISOString(),
    live,
    buckets,
    totals: totalsOf(range, rows, buckets),
  };
}

export type RoomsAnswer = { rooms: RoomEntry[]; next?: string };

export type RoomsRequest = { prefix: string; sort: RoomsSort; cursor?: string | undefined; limit: number };

export async function roomsAnswer(env: Env, config: Config, tenant: string, q: RoomsRequest): Promise<RoomsAnswer> {
  const after = decodeRoomsCursor(q.cursor, q.sort);
  const { rooms, more } = await readRooms(env, config, tenant, {
    prefix: q.prefix,
    sort: q.sort,
    after,
    limit: q.limit,
  });
  const last = rooms.at(-1);
  return more && last !== undefined ? { rooms, next: encodeRoomsCursor(q.sort, last) } : { rooms };
}
