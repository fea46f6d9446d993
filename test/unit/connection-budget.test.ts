import { describe, expect, it } from "vitest";
import { afterRelease, grant, granted } from "../../src/control/connection-budget.ts";

describe("the tenant's connection budget", () => {
  it("grants what is left under the limit, all of it without one", () => {
    const grants = new Map([
      ["room-a", 6],
      ["room-b", 3],
    ]);
    expect(granted(grants)).toBe(9);
    expect(grant(grants, 8, 10)).toBe(1);
    expect(grant(grants, 8, 9)).toBe(0);
    expect(grant(grants, 8, 5)).toBe(0); // the limit was lowered below what is granted
    expect(grant(grants, 8, null)).toBe(8);
    expect(grant(grants, 0, null)).toBe(0);
  });

  it("never lets a release go below zero", () => {
    expect(afterRelease(5, 3)).toBe(2);
    expect(afterRelease(2, 5)).toBe(0);
    expect(afterRelease(2, -4)).toBe(2);
  });

  it("never grants past the limit, however the asks interleave", () => {
    const grants = new Map<string, number>();
    let total = 0;
    for (let i = 0; i < 1_000; i++) {
      const object = `shard-${i % 7}`;
      const given = grant(grants, 1 + (i % 8), 100);
      grants.set(object, (grants.get(object) ?? 0) + given);
      total += given;
      if (i % 5 === 0) {
        const back = Math.min(grants.get(object) ?? 0, 3);
        grants.set(object, afterRelease(grants.get(object) ?? 0, back));
        total -= back;
      }
      expect(granted(grants)).toBe(total);
      expect(total).toBeLessThanOrEqual(100);
    }
  });
});
