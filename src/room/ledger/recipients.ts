// Who a targeted message is for, indexed by user: a history read or a resume then reads the rows
// its reader may see (broadcasts, through a partial index, and its own targeted messages, through
// this one) and never touches, let alone parses, a message meant for others. A room targeting
// 1,000 users per message made every outsider's read parse 1,000-name audiences before this.

/** The index and the broadcasts' partial index; part of the history schema, created with it. */
export const RECIPIENTS_SCHEMA = `CREATE TABLE IF NOT EXISTS recipients (sub TEXT NOT NULL, seq INTEGER NOT NULL,
    PRIMARY KEY (sub, seq)) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS recipients_by_seq ON recipients (seq);
  CREATE INDEX IF NOT EXISTS messages_broadcasts ON messages (seq) WHERE audience IS NULL`;

/** Rooms stored before the index: built once from the audiences they hold, when such a room wakes up. */
export const ADD_RECIPIENTS = `${RECIPIENTS_SCHEMA};
  INSERT OR IGNORE INTO recipients (sub, seq)
    SELECT json_each.value, messages.seq FROM messages, json_each(messages.audience) WHERE messages.audience IS NOT NULL`;

export class Recipients {
  private readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
  }

  add(seq: number, subs: Iterable<string>): void {
    for (const sub of subs) this.sql.exec("INSERT OR IGNORE INTO recipients (sub, seq) VALUES (?, ?)", sub, seq);
  }

  /** Forgets the entries of messages history no longer holds: every seq below `oldest`. */
  pruneBelow(oldest: number): void {
    this.sql.exec("DELETE FROM recipients WHERE seq < ?", oldest);
  }
}
