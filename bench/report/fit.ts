// Ordinary least squares for the capacity model's cost lines (cost = a + b·shards + c·deliveries):
// coefficients, their standard errors and each point's residual, so a reader can see how well the
// line holds and how sure each coefficient is. Small systems only (a few columns, tens of points).

export type Fit = {
  names: string[];
  coefficients: number[];
  /** One standard error per coefficient; NaN when there are no more points than coefficients. */
  standardErrors: number[];
  predicted: number[];
  /** Measured minus predicted, per point. */
  residuals: number[];
  rSquared: number;
};

/** The inverse of a small square matrix by Gauss-Jordan elimination with partial pivoting. */
export function invert(m: readonly (readonly number[])[]): number[][] {
  const n = m.length;
  const a = m.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  const at = (i: number, j: number) => a[i]?.[j] ?? Number.NaN;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(at(r, col)) > Math.abs(at(pivot, col))) pivot = r;
    const scale = Math.max(...m.map((row) => Math.abs(row[col] ?? 0)), 1e-300);
    if (Math.abs(at(pivot, col)) < 1e-12 * scale) throw new Error("singular system: the columns are not independent");
    const pivotRow = a[pivot] ?? [];
    a[pivot] = a[col] ?? [];
    a[col] = pivotRow;
    const p = at(col, col);
    a[col] = pivotRow.map((v) => v / p);
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = at(r, col);
      a[r] = (a[r] ?? []).map((v, j) => v - f * at(col, j));
    }
  }
  return a.map((row) => row.slice(n));
}

/** Fits y ≈ X·β; `x` has one row per point, one column per named coefficient. */
export function leastSquares(names: readonly string[], x: readonly (readonly number[])[], y: readonly number[]): Fit {
  const p = names.length;
  const n = y.length;
  if (x.length !== n || x.some((row) => row.length !== p))
    throw new Error("leastSquares: x must be n rows of p columns");
  if (n < p) throw new Error(`leastSquares: ${n} points cannot fit ${p} coefficients`);
  const col = (row: readonly number[], j: number) => row[j] ?? 0;
  const xtx = names.map((_, i) => names.map((_, j) => x.reduce((s, row) => s + col(row, i) * col(row, j), 0)));
  const xty = names.map((_, i) => x.reduce((s, row, k) => s + col(row, i) * (y[k] ?? 0), 0));
  const inverse = invert(xtx);
  const coefficients = inverse.map((row) => row.reduce((s, v, j) => s + v * (xty[j] ?? 0), 0));
  const predicted = x.map((row) => row.reduce((s, v, j) => s + v * (coefficients[j] ?? 0), 0));
  const residuals = y.map((v, k) => v - (predicted[k] ?? 0));
  const rss = residuals.reduce((s, r) => s + r * r, 0);
  const mean = y.reduce((s, v) => s + v, 0) / n;
  const tss = y.reduce((s, v) => s + (v - mean) ** 2, 0);
  const variance = n > p ? rss / (n - p) : Number.NaN;
  return {
    names: [...names],
    coefficients,
    standardErrors: inverse.map((row, i) => Math.sqrt(variance * (row[i] ?? Number.NaN))),
    predicted,
    residuals,
    rSquared: tss === 0 ? Number.NaN : 1 - rss / tss,
  };
}
