// Each applied flush, also written to Workers Analytics Engine when the USAGE_ANALYTICS binding is
// configured: for production dashboards and SQL over every tenant (docs/operations.md has a query).
// Pure: the data points are built here, and the caller hands them to whatever dataset it has.
import type { CountDelta } from "./metrics.ts";
import type { UsageReport } from "./report.ts";

/** `double1`…`double14` of a `counts` data point, in this order (new ones only ever appended). */
export const COUNT_DOUBLES = [
  "connects",
  "disconnects",
  "messages_http",
  "messages_batch",
  "messages_ws",
  "deliveries",
  "bytesDelivered",
  "historyReads",
  "refusals",
  "connections",
  "webhooks_delivered",
  "webhooks_failed",
  "webhooks_retried",
  "webhooks_deadLettered",
] as const;

/** Analytics Engine takes at most 250 data points per invocation; a flush never needs that many. */
const MAX_LABELLED_POINTS = 100;

type Point = { indexes: string[]; blobs: string[]; doubles: number[] };

const doubleOf = (d: CountDelta): string =>
  d.counter === "messages" || d.counter === "webhooks" ? `${d.counter}_${d.label}` : d.counter;

/**
 * One `counts` point per flush (blob3 = "counts"): the flush's totals per counter, and the
 * reporter's live sockets. One point per close code and per refusal code (blob3 = "disconnects" or
 * "refusals", blob4 = the code, double1 = the count). index1 and blob1 are the tenant, blob2 the room
 * ("" for the Worker's own refusals).
 */
export function analyticsPoints(report: UsageReport): Point[] {
  if (report.counts.length === 0) return [];
  const room = report.live?.room ?? "";
  const base = [report.tenant, room];
  const totals = new Map<string, number>();
  const labelled = new Map<string, number>();
  for (const d of report.counts) {
    totals.set(doubleOf(d), (totals.get(doubleOf(d)) ?? 0) + d.value);
    if (d.counter === "disconnects" || d.counter === "refusals") {
      const key = `${d.counter}\u0000${d.label}`;
      labelled.set(key, (labelled.get(key) ?? 0) + d.value);
    }
  }
  const counts: Point = {
    indexes: [report.tenant],
    blobs: [...base, "counts"],
    doubles: COUNT_DOUBLES.map((name) =>
      name === "connections" ? (report.live?.connections ?? 0) : (totals.get(name) ?? 0),
    ),
  };
  const points = [...labelled].slice(0, MAX_LABELLED_POINTS).map(([key, n]): Point => {
    const [counter = "", label = ""] = key.split("\u0000");
    return { indexes: [report.tenant], blobs: [...base, counter, label], doubles: [n] };
  });
  return [counts, ...points];
}

/** Writes the report's points to the dataset, when one is configured; answers how many. */
export function writeAnalytics(dataset: AnalyticsEngineDataset | undefined, report: UsageReport): number {
  if (dataset === undefined) return 0;
  const points = analyticsPoints(report);
  for (const p of points) dataset.writeDataPoint(p);
  return points.length;
}
