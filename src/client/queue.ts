// A bounded FIFO for publishes made while the socket is not open. Overflow is refused, never
// silently dropped: the caller rejects that publish with `queue_full`.

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

  /** Removes and returns everything, oldest first. */
  drain(): T[] {
    const items = this.items;
    this.items = [];
    return items;
  }
}
