// What an object keeps in its SQLite storage, read from inside it.
import { runInDurableObject } from "cloudflare:test";

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
