// Tables in an object's SQLite storage are created by their first write, so a room that never
// needed one stores nothing; readers ask first whether it exists (hasTable, shared with the
// control plane's tables). Each group of tables records the format it was written in: a deploy (or
// a rollback) runs the next code over the same rows.
export { hasTable } from "../sql-tables.ts";
