import { describe, expect, it } from "vitest";
import { oncePer } from "../../src/once-per.ts";

describe("oncePer", () => {
  it("builds once per key and answers later calls from memory, even a build that gave undefined", () => {
    const calls: object[] = [];
    const build = oncePer((key: { n: number }) => {
      calls.push(key);
      return key.n === 0 ? undefined : { twice: key.n * 2 };
    });
    const a = { n: 1 };
    const zero = { n: 0 };
    expect(build(a)).toBe(build(a));
    expect(build(a)).toEqual({ twice: 2 });
    expect(build({ n: 1 })).not.toBe(build(a));
    expect(build(zero)).toBeUndefined();
    expect(build(zero)).toBeUndefined();
    expect(calls.filter((k) => k === a)).toHaveLength(1);
    expect(calls.filter((k) => k === zero)).toHaveLength(1);
  });
});
