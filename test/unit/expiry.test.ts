import { describe, expect, it } from "vitest";
import { earliestExpiryMs, isExpired } from "../../src/room/sockets/attachment.ts";
import { connectionState } from "../support/connection-state.ts";

describe("earliestExpiryMs", () => {
  it("is the earliest exp among the connections, in milliseconds", () => {
    const states = [1_000, 400, 700].map((exp) => connectionState({ exp }));
    expect(earliestExpiryMs(states)).toBe(400_000);
  });

  it("is undefined for a room without connections, so no alarm is set", () => {
    expect(earliestExpiryMs([])).toBeUndefined();
  });
});

describe("isExpired", () => {
  const s = connectionState({ exp: 1_000 });

  it("is false until the exp second begins", () => {
    expect(isExpired(s, 999_999)).toBe(false);
  });

  it("is true from the exp second on", () => {
    expect(isExpired(s, 1_000_000)).toBe(true);
    expect(isExpired(s, 1_000_001)).toBe(true);
  });
});
