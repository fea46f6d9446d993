// What an object keeps in its SQLite storage, read from inside it.
import { runInDurableObject } from "cloudflare:test";
import { vi } from "vitest";

/** The object's own tables (the runtime's `_cf_…` tables left out): none once it deleted its storage. */
export const tablesOf = (stub: DurableObjectStub) =>
  runInDurableObject(stub, (_i, state) =>
    state.storage.sql
      .exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\'",
      )
      .toArray()
      .map((r) => r.name),
  );

/**
 * Runs `work` and counts the rows SQLite read for it (`rowsRead` of every cursor opened meanwhile,
 * in any object of the isolate, whose query names one of `tables`: other features' bookkeeping
 * is not what a test of these tables measures); `stub` is any object, used to reach the storage's
 * prototype and to read the cursors where they belong.
 */
export async function rowsReadDuring<T>(
  tables: readonly string[],
  stub: DurableObjectStub,
  work: () => Promise<T>,
): Promise<{ result: T; rowsRead: number }> {
  const proto = await runInDurableObject(stub, (_i, state) => Object.getPrototypeOf(state.storage.sql) as SqlStorage);
  const exec = proto.exec;
  const cursors: SqlStorageCursor<Record<string, SqlStorageValue>>[] = [];
  const spy = vi.spyOn(proto, "exec").mockImplementation(function (
    this: SqlStorage,
    query: string,
    ...bindings: unknown[]
  ) {
    const cursor = exec.call(this, query, ...bindings);
    if (tables.some((t) => new RegExp(`\\b${t}\\b`).test(query))) cursors.push(cursor);
    return cursor;
  });
  try {
    const result = await work();
    // A cursor belongs to the object that opened it: count its rows there.
    const rowsRead = await runInDurableObject(stub, () => cursors.reduce((n, c) => n + c.rowsRead, 0));
    return { result, rowsRead };
  } finally {
    spy.mockRestore();
  }
}
