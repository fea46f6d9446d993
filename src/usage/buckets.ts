// Time buckets of the usage series, as pure functions: minutes kept 48 hours, hours 90 days, and
// the range a `GET /v1/admin/usage` may ask for.
import { GatewayError } from "../errors.ts";

export type Step = "minute" | "hour";

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
/** Per-minute rows are kept this long, per-hour rows RETENTION_MS.hour. */
export const RETENTION_MS: Record<Step, number> = { minute: 48 * HOUR_MS, hour: 90 * 24 * HOUR_MS };
const STEP_MS: Record<Step, number> = { minute: MINUTE_MS, hour: HOUR_MS };
/** Without `from`, a series covers the last hour (minutes) or the last week (hours). */
const DEFAULT_SPAN_MS: Record<Step, number> = { minute: HOUR_MS, hour: 7 * 24 * HOUR_MS };

export const minuteOf = (ms: number): number => Math.floor(ms / MINUTE_MS);
export const hourOfMinute = (minute: number): number => Math.floor(minute / 60);
export const stepMs = (step: Step): number => STEP_MS[step];

/** Buckets `first` to `last` inclusive, in units of `step` since the epoch. */
export type BucketRange = { step: Step; first: number; last: number };

export type RangeQuery = { from?: number | undefined; to?: number | undefined; step: Step };

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The buckets that `from` (inclusive) to `to` (exclusive) touch, `from` rounded down and `to` up
 * to whole steps. Refuses a range that ends before it starts, that reaches further back than the
 * step's rows are kept, or that ends in the future by more than a step.
 */
export function bucketRange(q: RangeQuery, nowMs: number): BucketRange {
  const unit = STEP_MS[q.step];
  const to = q.to ?? nowMs;
  const from = q.from ?? to - DEFAULT_SPAN_MS[q.step];
  if (from >= to) throw new GatewayError("invalid_query", "from must be before to");
  const oldest = Math.floor((nowMs - RETENTION_MS[q.step]) / unit) * unit;
  if (from < oldest)
    throw new GatewayError(
      "invalid_query",
      `step=${q.step} rows are kept ${RETENTION_MS[q.step] / HOUR_MS} hours: from must be at or after ${iso(oldest)}`,
    );
  if (to > nowMs + unit) throw new GatewayError("invalid_query", `to must be at most one ${q.step} from now`);
  return { step: q.step, first: Math.floor(from / unit), last: Math.ceil(to / unit) - 1 };
}

/** The start of each bucket of `range`, oldest first. */
export function bucketStarts(range: BucketRange): number[] {
  const unit = STEP_MS[range.step];
  const starts: number[] = [];
  for (let b = range.first; b <= range.last; b++) starts.push(b * unit);
  return starts;
}
