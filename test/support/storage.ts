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

/** One statement run on an object's SQLite: its text, its bindings and the storage it ran on. */
type Statement = {
  sql: SqlStorage;
  query: string;
  bindings: unknown[];
  cursor: SqlStorageCursor<Record<string, SqlStorageValue>>;
};

/**
 * Runs `work` and shows `seen` every statement any object of the isolate runs meanwhile; `stub`
 * is any object, used to reach the storage's prototype.
 */
async function watchingSql<T>(
  stub: DurableObjectStub,
  seen: (s: Statement) => void,
  work: () => Promise<T>,
): Promise<T> {
  const proto = await runInDurableObject(stub, (_i, state) => Object.getPrototypeOf(state.storage.sql) as SqlStorage);
  const exec = proto.exec;
  const spy = vi.spyOn(proto, "exec").mockImplementation(function (
    this: SqlStorage,
    query: string,
    ...bindings: unknown[]
  ) {
    const cursor = exec.call(this, query, ...bindings);
    seen({ sql: this, query, bindings, cursor });
    return cursor;
  });
  try {
    return await work();
  } finally {
    spy.mockRestore();
  }
}

/**
 * Runs `work` and counts the rows SQLite read for it in `stub`'s own object (`rowsRead` of every
 * cursor it opened meanwhile whose query names one of `tables`: other features' bookkeeping is not
 * what a test of these tables measures). Other objects are left out: on a starved machine another
 * room's alarm, or an earlier test's, may read its own history during `work`.
 */
export async function rowsReadDuring<T>(
  tables: readonly string[],
  stub: DurableObjectStub,
  work: () => Promise<T>,
): Promise<{ result: T; rowsRead: number }> {
  const own = await runInDurableObject(stub, (_i, state) => state.storage.sql);
  const cursors: Statement["cursor"][] = [];
  const names = (query: string) => tables.some((t) => new RegExp(`\\b${t}\\b`).test(query));
  const result = await watchingSql(stub, (s) => s.sql === own && names(s.query) && cursors.push(s.cursor), work);
  // A cursor belongs to the object that opened it: count its rows there.
  const rowsRead = await runInDurableObject(stub, () => cursors.reduce((n, c) => n + c.rowsRead, 0));
  return { result, rowsRead };
}

/** A statement that wrote to a table: its text and its bindings. */
export type SqlWrite = { query: string; bindings: unknown[] };

/** Every INSERT, UPDATE or DELETE on `table` that `stub`'s own object runs during `work`, in order. */
export async function writesDuring(
  table: string,
  stub: DurableObjectStub,
  work: () => Promise<void>,
): Promise<SqlWrite[]> {
  const own = await runInDurableObject(stub, (_i, state) => state.storage.sql);
  const writes: SqlWrite[] = [];
  const writing = new RegExp(`^\\s*(INSERT INTO|UPDATE|DELETE FROM) ${table}\\b`, "i");
  await watchingSql(
    stub,
    ({ sql, query, bindings }) => sql === own && writing.test(query) && writes.push({ query, bindings }),
    work,
  );
  return writes;
}
