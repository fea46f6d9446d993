// Percentiles over a filled prefix of a typed array (nearest-rank, so every figure is a real sample),
// shared by the benchmark (bench/) and the e2e load tests, which must not import from bench/.

export type Summary = { count: number; p50: number; p95: number; p99: number; max: number };

export function summarize(values: Float64Array, count: number): Summary {
  if (count === 0) return { count, p50: Number.NaN, p95: Number.NaN, p99: Number.NaN, max: Number.NaN };
  const sorted = values.slice(0, count).sort();
  const at = (p: number) => sorted[Math.min(count - 1, Math.max(0, Math.ceil(p * count) - 1))] ?? Number.NaN;
  return { count, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[count - 1] ?? Number.NaN };
}

export function summarizeList(values: readonly number[]): Summary {
  return summarize(Float64Array.from(values), values.length);
}
