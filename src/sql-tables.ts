// Tables in an object's SQLite storage are created by their first write, so an object that never
// needed one stores nothing; readers ask first whether it exists.

export function hasTable(sql: SqlStorage, name: string): boolean {
  return sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", name).toArray().length > 0;
}
