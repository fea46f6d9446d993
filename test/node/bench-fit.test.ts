// The least-squares fit behind the shard-cost model (bench/report/fit.ts).
import { describe, expect, it } from "vitest";
import { invert, leastSquares } from "../../bench/report/fit.ts";

const grid = [1, 2, 4, 8, 16].flatMap((shards) => [
  [1, shards, shards],
  [1, shards, 500],
]);

describe("leastSquares", () => {
  it("recovers the coefficients of exact data, with zero residuals", () => {
    const y = grid.map(([, k = 0, n = 0]) => 2000 + 150 * k + 40 * n);
    const fit = leastSquares(["a", "b", "c"], grid, y);
    expect(fit.coefficients[0]).toBeCloseTo(2000, 6);
    expect(fit.coefficients[1]).toBeCloseTo(150, 6);
    expect(fit.coefficients[2]).toBeCloseTo(40, 6);
    for (const r of fit.residuals) expect(Math.abs(r)).toBeLessThan(1e-6);
    expect(fit.rSquared).toBeCloseTo(1, 12);
  });

  it("leaves residuals that sum to zero and a standard error for each coefficient on noisy data", () => {
    const noise = [30, -20, 10, -40, 25, 5, -15, 35, -30, 0];
    const y = grid.map(([, k = 0, n = 0], i) => 2000 + 150 * k + 40 * n + (noise[i] ?? 0));
    const fit = leastSquares(["a", "b", "c"], grid, y);
    expect(fit.residuals.reduce((s, r) => s + r, 0)).toBeCloseTo(0, 6);
    expect(fit.coefficients[1]).toBeCloseTo(150, -1);
    for (const se of fit.standardErrors) expect(se).toBeGreaterThan(0);
    expect(fit.predicted.map((p, i) => p + (fit.residuals[i] ?? 0))).toEqual(y.map((v) => expect.closeTo(v, 6)));
  });

  it("gives NaN standard errors, not zero, when there are exactly as many points as coefficients", () => {
    const fit = leastSquares(
      ["a", "c"],
      [
        [1, 1],
        [1, 500],
      ],
      [3000, 22960],
    );
    expect(fit.coefficients[1]).toBeCloseTo(40, 9);
    expect(fit.standardErrors.every(Number.isNaN)).toBe(true);
  });

  it("refuses columns that are not independent", () => {
    const rows = [1, 2, 4].map((k) => [1, k, 2 * k]);
    expect(() => leastSquares(["a", "b", "c"], rows, [1, 2, 3])).toThrow(/singular/);
  });

  it("refuses fewer points than coefficients", () => {
    expect(() => leastSquares(["a", "b"], [[1, 1]], [1])).toThrow(/cannot fit/);
  });
});

describe("invert", () => {
  it("inverts a matrix that needs a row swap", () => {
    const inverse = invert([
      [0, 2],
      [4, 0],
    ]);
    expect(inverse).toEqual([
      [0, 0.25],
      [0.5, 0],
    ]);
  });
});
