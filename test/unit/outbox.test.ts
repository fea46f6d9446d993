import { describe, expect, it } from "vitest";
import { Outbox } from "../../src/room/delivery/outbox.ts";

/** An outbox whose turns run only when the test says so, recording every delivery. */
function harness() {
  const turns: (() => void)[] = [];
  const deliveries: number[][] = [];
  const outbox = new Outbox<number>(
    (messages) => {
      deliveries.push([...messages]);
      return messages.map((m) => m * 10);
    },
    (fn) => turns.push(fn),
  );
  const nextTurn = async () => {
    turns.shift()?.();
    await Promise.resolve();
  };
  return { outbox, deliveries, nextTurn, pendingTurns: () => turns.length };
}

describe("Outbox", () => {
  it("delivers at once when idle and answers with the counts at hand", () => {
    const { outbox, deliveries } = harness();
    expect(outbox.submit([1, 2])).toEqual([10, 20]);
    expect(deliveries).toEqual([[1, 2]]);
  });

  it("holds what comes while busy and delivers it together on the next turn, in order", async () => {
    const { outbox, deliveries, nextTurn } = harness();
    outbox.submit([1]);
    const a = outbox.submit([2]);
    const b = outbox.submit([3, 4]);
    expect(deliveries).toEqual([[1]]);
    await nextTurn();
    expect(deliveries).toEqual([[1], [2, 3, 4]]);
    expect(await a).toEqual([20]);
    expect(await b).toEqual([30, 40]);
  });

  it("stays busy one more turn after delivering, and goes idle when a turn finds nothing", async () => {
    const { outbox, nextTurn, pendingTurns } = harness();
    outbox.submit([1]);
    outbox.submit([2]);
    await nextTurn();
    expect(pendingTurns()).toBe(1);
    await nextTurn();
    expect(pendingTurns()).toBe(0);
    expect(outbox.submit([5])).toEqual([50]);
  });

  it("names the first message still waiting, for a new socket's welcome", () => {
    const { outbox } = harness();
    outbox.submit([1]);
    expect(outbox.firstWaiting(() => true)).toBeUndefined();
    void outbox.submit([7, 8]);
    expect(outbox.firstWaiting(() => true)).toBe(7);
    expect(outbox.firstWaiting((m) => m > 7)).toBe(8);
    expect(outbox.firstWaiting((m) => m > 8)).toBeUndefined();
  });

  it("delivers what waits at once when flushed, and still goes idle on its turn", async () => {
    const { outbox, deliveries, nextTurn, pendingTurns } = harness();
    outbox.submit([1]);
    const waiting = outbox.submit([2]);
    outbox.flush();
    expect(deliveries).toEqual([[1], [2]]);
    expect(await waiting).toEqual([20]);
    await nextTurn();
    expect(pendingTurns()).toBe(0);
  });

  it("rejects every waiting submission when a delivery throws", async () => {
    const turns: (() => void)[] = [];
    const outbox = new Outbox<number>(
      (messages) => {
        if (messages.includes(2)) throw new Error("boom");
        return messages.map(() => 1);
      },
      (fn) => turns.push(fn),
    );
    outbox.submit([1]);
    const waiting = outbox.submit([2]);
    turns.shift()?.();
    await expect(waiting).rejects.toThrow("boom");
  });
});
