import { describe, expect, it } from "vitest";
import { granted, regrant } from "../../src/control/connection-budget.ts";

describe("the tenant's connection budget", () => {
  const grants = new Map([
    ["room-a", 6],
    ["room-b", 3],
  ]);

  it("grants what is left under the limit, all of it without one", () => {
    expect(granted(grants)).toBe(9);
    expect(regrant(grants, "room-c", 0, 8, 10)).toBe(1);
    expect(regrant(grants, "room-c", 0, 8, 9)).toBe(0);
    expect(regrant(grants, "room-c", 0, 8, null)).toBe(8);
    expect(regrant(grants, "room-c", 2, 8, null)).toBe(10);
  });

  it("counts an object's own grant once: what it states it holds replaces what it was granted", () => {
    // 17 left beside room-b's 3: room-a keeps its 6, gets one, and a quarter of the 10 left spare.
    expect(regrant(grants, "room-a", 6, 8, 20)).toBe(9);
    expect(regrant(grants, "room-a", 0, 8, 20)).toBe(5);
  });

  it("grants a block far from the limit and one place at a time near it", () => {
    expect(regrant(new Map(), "room-a", 0, 8, 1_000)).toBe(8);
    expect(regrant(new Map(), "room-a", 0, 8, 3)).toBe(1);
    expect(regrant(new Map([["room-b", 1]]), "room-a", 1, 8, 3)).toBe(2);
    expect(regrant(new Map([["room-b", 1]]), "room-a", 2, 8, 3)).toBe(2);
    // Only saying what it holds: no more places.
    expect(regrant(new Map(), "room-a", 5, 0, 1_000)).toBe(5);
  });

  it("keeps what an object holds granted when the limit was lowered below it, and grants nothing more", () => {
    expect(regrant(grants, "room-a", 6, 8, 5)).toBe(6);
    expect(regrant(grants, "room-c", 0, 8, 5)).toBe(0);
  });

  it("never grants past the limit, however objects ask and settle", () => {
    const held = new Map<string, number>();
    const given = new Map<string, number>();
    for (let i = 0; i < 1_000; i++) {
      const object = `shard-${i % 7}`;
      const holding = held.get(object) ?? 0;
      const grant = regrant(given, object, holding, 1 + (i % 8), 100);
      given.set(object, grant);
      // The object fills part of its grant, or (every fifth ask) gives sockets back and settles.
      held.set(object, i % 5 === 0 ? Math.max(0, holding - 3) : Math.min(grant, holding + 2));
      if (i % 5 === 0) given.set(object, held.get(object) ?? 0);
      expect(granted(given)).toBeLessThanOrEqual(100);
    }
  });
});
