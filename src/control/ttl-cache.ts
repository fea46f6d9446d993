// An in-isolate cache whose entries each live a bounded time from the moment their load was *sent*
// (so an answer read before a change can never outlive the change by more than its time to live),
// at most `capacity` of them, least recently used first out. Concurrent misses share one load. An
// expired entry is never served, but its value is remembered (`last`) until capacity pushes it out.
// The clock is passed in; the gateway's is Date.now.

type Entry<V> = { value: V; loadedAt: number; ttlMs: number };
type Load<V> = { promise: Promise<V>; sentAt: number };

export class TtlCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly loading = new Map<string, Load<V>>();
  private readonly capacity: number;
  private readonly shareMs: number;
  private readonly now: () => number;

  /** `shareMs`: a load sent longer ago than this is not joined (it may hang, and its answer would be old). */
  constructor(capacity: number, shareMs: number, now: () => number) {
    this.capacity = capacity;
    this.shareMs = shareMs;
    this.now = now;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The live entry and its age, without loading. */
  peek(key: string): { value: V; ageMs: number } | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    const ageMs = this.now() - entry.loadedAt;
    if (ageMs >= entry.ttlMs || ageMs < 0) return undefined;
    // Re-inserted: a Map iterates in insertion order, so the first key is the least recently used.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return { value: entry.value, ageMs };
  }

  /** The last value loaded for `key`, live or not: an expired entry stays until capacity pushes it out. */
  last(key: string): V | undefined {
    return this.entries.get(key)?.value;
  }

  /**
   * The live value, else `load()`'s, kept for `ttlOf(value)` ms from when the load was sent. A
   * load already in flight is shared unless it was sent more than `shareMs` ago.
   */
  async get(key: string, load: () => Promise<V>, ttlOf: (v: V) => number): Promise<V> {
    const live = this.peek(key);
    if (live !== undefined) return live.value;
    return this.reload(key, load, ttlOf);
  }

  /** Loads whatever is cached; the new value replaces the old one. */
  async reload(key: string, load: () => Promise<V>, ttlOf: (v: V) => number): Promise<V> {
    const sentAt = this.now();
    const pending = this.loading.get(key);
    if (pending !== undefined && sentAt - pending.sentAt < this.shareMs) return pending.promise;
    const promise = load();
    this.loading.set(key, { promise, sentAt });
    try {
      const value = await promise;
      this.set(key, value, sentAt, ttlOf(value));
      return value;
    } finally {
      if (this.loading.get(key)?.promise === promise) this.loading.delete(key);
    }
  }

  /** Stores a value loaded at `loadedAt` (a neighbour's answer carried it, say). */
  set(key: string, value: V, loadedAt: number, ttlMs: number): void {
    const current = this.entries.get(key);
    if (current !== undefined && current.loadedAt > loadedAt) return;
    this.entries.delete(key);
    this.entries.set(key, { value, loadedAt, ttlMs });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value ?? "");
  }
}
