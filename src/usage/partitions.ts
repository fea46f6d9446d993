// Where a tenant's usage lives: USAGE_PARTITIONS objects, a room's reports going to the one its
// name picks (so every shard of a room lands in the same one), reads asking all of them at once.
import type { Config } from "../config.ts";
import type { Env } from "../env.ts";
import { fnv1a } from "../fnv1a.ts";
import type { BucketRange } from "./buckets.ts";
import type { ReportAnswer, UsageReport } from "./report.ts";
import type { RoomEntry, RoomsQuery, RoomsSort } from "./rooms-index.ts";
import type { SeriesRow } from "./series-store.ts";
import type { LiveTotals } from "./usage.ts";

/** `<tenant>/<partition>`: the usage objects of two tenants never meet. */
export const usageObjectName = (tenant: string, partition: number) => `${tenant}/${partition}`;

/** The partition a room (or a Worker isolate's id) reports to. */
export const partitionOf = (tenant: string, key: string, partitions: number): number =>
  fnv1a(`${tenant}\u0000${key}`) % partitions;

function usageStub(env: Env, tenant: string, partition: number) {
  return env.USAGE.get(env.USAGE.idFromName(usageObjectName(tenant, partition)));
}

const everyPartition = <T>(config: Config, each: (partition: number) => Promise<T>): Promise<T[]> =>
  Promise.all(Array.from({ length: config.usagePartitions }, (_, p) => each(p)));

/** Hands one flush to the partition `key` (a room name) picks. */
export function sendReport(env: Env, config: Config, key: string, report: UsageReport): Promise<ReportAnswer> {
  return usageStub(env, report.tenant, partitionOf(report.tenant, key, config.usagePartitions)).report(report);
}

export async function readRows(env: Env, config: Config, tenant: string, range: BucketRange): Promise<SeriesRow[]> {
  return (
    await everyPartition(config, (p) => usageStub(env, tenant, p).rows(range.step, range.first, range.last))
  ).flat();
}

export async function readLive(env: Env, config: Config, tenant: string): Promise<LiveTotals> {
  const parts = await everyPartition(config, (p) => usageStub(env, tenant, p).live());
  return parts.reduce((a, b) => ({ connections: a.connections + b.connections, rooms: a.rooms + b.rooms }));
}

/** The order of a rooms page: by name, or by connections (most first) then name. */
export function compareRooms(sort: RoomsSort): (a: RoomEntry, b: RoomEntry) => number {
  const byName = (a: RoomEntry, b: RoomEntry) => (a.room < b.room ? -1 : a.room > b.room ? 1 : 0);
  return sort === "name" ? byName : (a, b) => b.connections - a.connections || byName(a, b);
}

/**
 * One page from every partition's own page of up to limit + 1 rooms (a room lives in one partition
 * only): merged in the page's order; a next page exists when more than `limit` came back.
 */
export function mergePages(parts: readonly RoomEntry[][], sort: RoomsSort, limit: number) {
  const merged = parts.flat().sort(compareRooms(sort));
  return { rooms: merged.slice(0, limit), more: merged.length > limit };
}

export async function readRooms(
  env: Env,
  config: Config,
  tenant: string,
  q: RoomsQuery,
): Promise<{ rooms: RoomEntry[]; more: boolean }> {
  const parts = await everyPartition(config, (p) => usageStub(env, tenant, p).rooms({ ...q, limit: q.limit + 1 }));
  return mergePages(parts, q.sort, q.limit);
}
