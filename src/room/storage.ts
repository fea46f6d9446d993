// Tables in an object's SQLite storage are created by their first write, so a room that never
// needed one stores nothing; readers ask first whether it exists. Each group of tables records the
// format it was written in: a deploy (or a rollback) runs the next code over the same rows.

export function hasTable(sql: SqlStorage, name: string): boolean {
  return sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", name).toArray().length > 0;
}
