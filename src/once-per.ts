// Work done once per object and kept while the object lives: the config parsed from an env (stable
// for an isolate's life), and the keys, caches and middleware built from a config (a deploy brings
// a new config, and with it fresh ones).

/** `build`, run on a key's first use only; later calls with the same key answer from memory. */
export function oncePer<K extends object, V>(build: (key: K) => V): (key: K) => V {
  const built = new WeakMap<K, V>();
  return (key) => {
    if (built.has(key)) return built.get(key) as V;
    const value = build(key);
    built.set(key, value);
    return value;
  };
}
