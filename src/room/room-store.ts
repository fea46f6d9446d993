// The room's durable state in the object's SQLite storage. Synchronous: the runtime batches these
// writes and holds outgoing messages until they are durable (output gate), so a client never sees
// a seq the room could forget.
export class RoomStore {
  private seq: number;
  private readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
    sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
    const row = sql.exec<{ value: number }>("SELECT value FROM meta WHERE key = 'seq'").toArray()[0];
    this.seq = row?.value ?? 0;
  }

  lastSeq(): number {
    return this.seq;
  }

  /** Reserves and persists the next sequence number. */
  nextSeq(): number {
    this.seq += 1;
    this.sql.exec(
      "INSERT INTO meta (key, value) VALUES ('seq', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
      this.seq,
    );
    return this.seq;
  }
}
