// A bounded FIFO for publishes made while the socket is not open, and those to resend after a
// drop. Overflow is refused, never silently dropped: the caller rejects that publish with `queue_full`.

export class BoundedQueue<T> {
  readonly capacity: number;
  private items: T[] = [];

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError("capacity must be a non-negative integer");
    this.capacity = capacity;
  }

  get size(): number {
    return this.items.length;
  }

  /** False (and nothing queued) when the queue is full. */
  push(item: T): boolean {
    if (this.items.length >= this.capacity) return false;
    this.items.push(item);
    return true;
  }

  /**
   * Puts items back in front, in their order, even past the capacity: they were accepted before
   * (sent on a socket that then dropped) and are never refused afterwards.
   */
  requeue(items: readonly T[]): void {
    this.items = [...items, ...this.items];
  }

  /** Removes and returns everything, oldest first. */
  drain(): T[] {
    const items = this.items;
    this.items = [];
    return items;
  }
}
