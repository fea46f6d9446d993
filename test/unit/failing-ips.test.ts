import { describe, expect, it } from "vitest";
import { FailingIps } from "../../src/limits/failing-ips.ts";

describe("FailingIps", () => {
  it("blocks an address for the window, answering the seconds left", () => {
    const ips = new FailingIps(10, 10_000);
    expect(ips.retryAfter("198.18.0.1", 0)).toBe(0);
    ips.block("198.18.0.1", 1_000);
    expect(ips.retryAfter("198.18.0.1", 1_000)).toBe(10);
    expect(ips.retryAfter("198.18.0.1", 10_500)).toBe(1);
    expect(ips.retryAfter("198.18.0.2", 1_000)).toBe(0);
  });

  it("forgets an address once its window has passed", () => {
    const ips = new FailingIps(10, 10_000);
    ips.block("198.18.0.1", 0);
    expect(ips.retryAfter("198.18.0.1", 10_000)).toBe(0);
    expect(ips.retryAfter("198.18.0.1", 5_000)).toBe(0);
  });

  it("holds at most its capacity, forgetting the address blocked longest ago", () => {
    const ips = new FailingIps(2, 10_000);
    ips.block("a", 0);
    ips.block("b", 1);
    ips.block("a", 2);
    ips.block("c", 3);
    expect([ips.retryAfter("a", 4), ips.retryAfter("b", 4), ips.retryAfter("c", 4)]).toEqual([10, 0, 10]);
  });
});
