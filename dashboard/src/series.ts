// What the charts and tables draw, from the usage answers: pure, so it is tested without a browser.
import type { Bucket, Messages, Totals } from "./api.ts";

export const messagesOf = (m: Messages): number => m.http + m.batch + m.ws;

/** uPlot's columns: bucket starts (epoch seconds), connections (peak in the bucket), messages. */
export function chartColumns(buckets: readonly Bucket[]): [number[], number[], number[]] {
  return [
    buckets.map((b) => Date.parse(b.start) / 1000),
    buckets.map((b) => b.peakConnections),
    buckets.map((b) => messagesOf(b.messages)),
  ];
}

/** Refusal codes with their counts over the hour and the week, most refused (this week) first. */
export function refusalRows(hour: Totals, week: Totals): [string, number, number][] {
  const codes = new Set([...Object.keys(hour.refusals), ...Object.keys(week.refusals)]);
  return [...codes]
    .map((code): [string, number, number] => [code, hour.refusals[code] ?? 0, week.refusals[code] ?? 0])
    .sort((a, b) => b[2] - a[2] || b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

export const sumOf = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);
