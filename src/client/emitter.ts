// A minimal typed event emitter that works the same in browsers, Node and workerd.

export type Listener<T> = (value: T) => void;

export class Emitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<Listener<never>>>();

  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof Events>(type: K, listener: Listener<Events[K]>): () => void {
    let set = this.listeners.get(type);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(type, set);
    }
    set.add(listener);
    return () => this.off(type, listener);
  }

  off<K extends keyof Events>(type: K, listener: Listener<Events[K]>): void {
    this.listeners.get(type)?.delete(listener);
  }

  emit<K extends keyof Events>(type: K, value: Events[K]): void {
    const set = this.listeners.get(type) as Set<Listener<Events[K]>> | undefined;
    if (set === undefined) return;
    for (const listener of [...set]) {
      try {
        listener(value);
      } catch (err) {
        // A throwing listener must not break the connection logic that called emit; rethrown
        // outside this call stack it still reaches the host's uncaught-error reporting.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}
