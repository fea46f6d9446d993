import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config.ts";
import { effectiveLimits, patchLimits } from "../../src/control/limits.ts";
import { slotKeys } from "../../src/control/publish-rate.ts";
import { limitPatchSchema, limitsSchema } from "../../src/protocol.ts";

const config = parseConfig({ JWT_SECRET: "s".repeat(32), MAX_PAYLOAD_BYTES: "4096", HISTORY_MAX_AGE_SECONDS: "120" });

describe("tenant limits", () => {
  it("default to the gateway's global values, unlimited where the gateway has none", () => {
    expect(effectiveLimits({}, config)).toEqual({
      maxConnections: null,
      maxRoomConnections: 10_000,
      publishPerSecond: null,
      maxPayloadBytes: 4096,
      historyMaxAgeSeconds: 120,
    });
    expect(effectiveLimits({ maxPayloadBytes: 10, historyMaxAgeSeconds: 0 }, config)).toMatchObject({
      maxPayloadBytes: 10,
      historyMaxAgeSeconds: 0,
    });
  });

  it("refuse values out of range, fractions and unknown names, naming the field", () => {
    for (const bad of [
      { maxConnections: 0 },
      { maxRoomConnections: 32_768 * 64 + 1 },
      { publishPerSecond: 100_001 },
      { maxPayloadBytes: 1_000_001 },
      { historyMaxAgeSeconds: 7 * 24 * 3600 + 1 },
      { publishPerSecond: 1.5 },
    ]) {
      const issue = limitsSchema.safeParse(bad).error?.issues[0];
      expect(issue?.path, JSON.stringify(bad)).toEqual(Object.keys(bad));
    }
    expect(limitsSchema.safeParse({ maxFun: 1 }).error?.issues[0]).toMatchObject({
      code: "unrecognized_keys",
      keys: ["maxFun"],
    });
    expect(limitsSchema.safeParse({ publishPerSecond: 100_000, historyMaxAgeSeconds: 0 }).success).toBe(true);
  });

  it("change one by one; null returns a limit to the default", () => {
    const patch = limitPatchSchema.parse({ publishPerSecond: null, maxConnections: 5 });
    expect(patchLimits({ publishPerSecond: 9, maxPayloadBytes: 10 }, patch)).toEqual({
      maxPayloadBytes: 10,
      maxConnections: 5,
    });
  });
});

describe("the tenant publish budget's slots", () => {
  it("gives a tenant one slot per publish a second and tries the turn's slot, then the next two", () => {
    expect(slotKeys("acme", 5, 7)).toEqual(["tenant-publish:acme:2", "tenant-publish:acme:3", "tenant-publish:acme:4"]);
    expect(slotKeys("acme", 1, 7)).toEqual(["tenant-publish:acme:0"]);
    expect(slotKeys("acme", 2, 3)).toEqual(["tenant-publish:acme:1", "tenant-publish:acme:0"]);
  });

  it("spreads successive turns over every slot evenly", () => {
    const counts = new Map<string, number>();
    for (let turn = 0; turn < 50; turn++) {
      const first = slotKeys("t", 10, turn)[0] ?? "";
      counts.set(first, (counts.get(first) ?? 0) + 1);
    }
    expect([...counts.values()]).toEqual(Array(10).fill(5));
  });
});
