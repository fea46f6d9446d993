import { describe, expect, it } from "vitest";
import { BoundedQueue } from "../../src/client/queue.ts";

describe("BoundedQueue", () => {
  it("keeps items in order up to its capacity and refuses the next", () => {
    const q = new BoundedQueue<number>(2);
    expect(q.push(1)).toBe(true);
    expect(q.push(2)).toBe(true);
    expect(q.push(3)).toBe(false);
    expect(q.size).toBe(2);
    expect(q.drain()).toEqual([1, 2]);
    expect(q.size).toBe(0);
    expect(q.push(3)).toBe(true);
  });

  it("with capacity 0 refuses everything", () => {
    expect(new BoundedQueue<number>(0).push(1)).toBe(false);
  });

  it("rejects a capacity that is not a non-negative integer", () => {
    expect(() => new BoundedQueue(-1)).toThrow(RangeError);
    expect(() => new BoundedQueue(1.5)).toThrow(RangeError);
  });
});

describe("BoundedQueue.requeue", () => {
  it("puts items back in front, in order, even past the capacity, and then refuses new ones", () => {
    const q = new BoundedQueue<number>(2);
    q.push(3);
    q.requeue([1, 2]);
    expect(q.size).toBe(3);
    expect(q.push(4)).toBe(false);
    expect(q.drain()).toEqual([1, 2, 3]);
  });
});
