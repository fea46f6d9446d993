// The usage series as the HTTP API answers it, assembled from the rows of every partition: one
// bucket per step from `from` to `to`, empty buckets included with zeros, so a chart needs no gaps
// filled and a missing bucket can never be mistaken for a quiet one.
import { type BucketRange, bucketStarts } from "./buckets.ts";
import {
  COUNTERS,
  isCounter,
  MESSAGE_SOURCES,
  type MessageSource,
  WEBHOOK_OUTCOMES,
  type WebhookOutcome,
} from "./metrics.ts";
import type { SeriesRow } from "./series-store.ts";

export type UsageCounts = {
  connects: number;
  disconnects: Record<string, number>;
  messages: Record<MessageSource, number>;
  deliveries: number;
  bytesDelivered: number;
  historyReads: number;
  refusals: Record<string, number>;
  webhooks: Record<WebhookOutcome, number>;
};

/** One object type rather than an intersection, so it reads (and compares) as the JSON it is. */
type Flat<T> = { [K in keyof T]: T[K] };

export type UsageBucket = Flat<
  UsageCounts & {
    /** Bucket start, RFC 3339 UTC. */
    start: string;
    /** Live sockets at the bucket's end (for the current bucket: now). */
    connections: number;
    /** Most live sockets at once within the bucket. */
    peakConnections: number;
  }
>;

export type UsageTotals = Flat<UsageCounts & { peakConnections: number }>;

/** Every counter at zero: an empty bucket, and the start of a sum. */
export const emptyCounts = (): UsageCounts => ({
  connects: 0,
  disconnects: {},
  messages: { http: 0, batch: 0, ws: 0 },
  deliveries: 0,
  bytesDelivered: 0,
  historyReads: 0,
  refusals: {},
  webhooks: { delivered: 0, failed: 0, retried: 0, deadLettered: 0 },
});

function addCount(into: UsageCounts, metric: string, label: string, value: number): void {
  if (!isCounter(metric)) return;
  if (metric === "disconnects" || metric === "refusals") into[metric][label] = (into[metric][label] ?? 0) + value;
  else if (metric === "messages") {
    if ((MESSAGE_SOURCES as readonly string[]).includes(label)) into.messages[label as MessageSource] += value;
  } else if (metric === "webhooks") {
    if ((WEBHOOK_OUTCOMES as readonly string[]).includes(label)) into.webhooks[label as WebhookOutcome] += value;
  } else if (COUNTERS[metric] === "") into[metric] += value;
}

/**
 * Every bucket of `range`, each partition's rows added in (their gauges too: sockets live in
 * different partitions at once add up; peaks add up to at most the sum of the partitions' peaks).
 */
export function assembleBuckets(range: BucketRange, rows: readonly SeriesRow[]): UsageBucket[] {
  const buckets = bucketStarts(range).map(
    (start): UsageBucket => ({
      start: new Date(start).toISOString(),
      connections: 0,
      peakConnections: 0,
      ...emptyCounts(),
    }),
  );
  for (const row of rows) {
    const bucket = buckets[row.bucket - range.first];
    if (bucket === undefined) continue;
    if (row.metric === "connections" || row.metric === "peakConnections") bucket[row.metric] += row.value;
    else addCount(bucket, row.metric, row.label, row.value);
  }
  return buckets;
}

/** The counters added over every row of the range, and the highest peak of its buckets. */
export function totalsOf(range: BucketRange, rows: readonly SeriesRow[], buckets: readonly UsageBucket[]): UsageTotals {
  const totals = emptyCounts();
  for (const row of rows)
    if (row.bucket >= range.first && row.bucket <= range.last) addCount(totals, row.metric, row.label, row.value);
  return { ...totals, peakConnections: Math.max(0, ...buckets.map((b) => b.peakConnections)) };
}
