// The `dead_letters` table of a tenant's webhook hub: deliveries given up after the retry window,
// kept with their events so one can be redelivered. At most MAX_DEAD_LETTERS per endpoint: the
// oldest go first.
import { z } from "zod";
import { type QueuedEvent, queuedEventSchema } from "../protocol.ts";
import type { DeadLetterView } from "../wire.ts";

export const MAX_DEAD_LETTERS = 100;

export const DEAD_LETTERS_SCHEMA = `CREATE TABLE IF NOT EXISTS dead_letters (
  id TEXT PRIMARY KEY, endpoint TEXT NOT NULL, events TEXT NOT NULL, attempts INTEGER NOT NULL,
  first_attempt_at INTEGER NOT NULL, last_attempt_at INTEGER NOT NULL, last_error TEXT NOT NULL);
  CREATE INDEX IF NOT EXISTS dead_letters_by_endpoint ON dead_letters (endpoint, last_attempt_at)`;

/**
 * A dead letter with the events it carries, as the consumer records it and a redelivery reads it.
 * `again`: a redelivery of it failed too, so its attempts add up; otherwise a second record with
 * the same id is the same message consumed twice, and changes nothing.
 */
export type DeadLetter = Omit<DeadLetterView, "eventIds"> & { events: QueuedEvent[]; again?: boolean };

type Row = {
  id: string;
  endpoint: string;
  events: string;
  attempts: number;
  first_attempt_at: number;
  last_attempt_at: number;
  last_error: string;
};

const eventsColumn = z.array(queuedEventSchema);

const fromRow = (r: Row): DeadLetter => ({
  id: r.id,
  endpoint: r.endpoint,
  events: eventsColumn.parse(JSON.parse(r.events)),
  attempts: r.attempts,
  firstAttemptAt: r.first_attempt_at,
  lastAttemptAt: r.last_attempt_at,
  lastError: r.last_error,
});

export function toView({ events, again: _, ...rest }: DeadLetter): DeadLetterView {
  return { ...rest, eventIds: events.map((e) => e.id) };
}

/** Stores (or, for a redelivery that failed again, replaces) dead letters of endpoints that still exist. */
export function storeDeadLetters(sql: SqlStorage, letters: readonly DeadLetter[]): void {
  for (const d of letters) {
    sql.exec(
      `INSERT INTO dead_letters (id, endpoint, events, attempts, first_attempt_at, last_attempt_at, last_error)
       SELECT ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM endpoints WHERE id = ?)
       ON CONFLICT (id) DO UPDATE SET attempts = dead_letters.attempts + excluded.attempts,
         last_attempt_at = excluded.last_attempt_at, last_error = excluded.last_error WHERE ?`,
      d.id,
      d.endpoint,
      JSON.stringify(d.events),
      d.attempts,
      d.firstAttemptAt,
      d.lastAttemptAt,
      d.lastError,
      d.endpoint,
      d.again === true ? 1 : 0,
    );
    sql.exec(
      `DELETE FROM dead_letters WHERE endpoint = ? AND id NOT IN
         (SELECT id FROM dead_letters WHERE endpoint = ? ORDER BY last_attempt_at DESC, id LIMIT ?)`,
      d.endpoint,
      d.endpoint,
      MAX_DEAD_LETTERS,
    );
  }
}

/** Newest first. */
export function listDeadLetters(sql: SqlStorage, endpoint: string): DeadLetter[] {
  return sql
    .exec<Row>("SELECT * FROM dead_letters WHERE endpoint = ? ORDER BY last_attempt_at DESC, id", endpoint)
    .toArray()
    .map(fromRow);
}

export function getDeadLetter(sql: SqlStorage, endpoint: string, id: string): DeadLetter | undefined {
  const row = sql.exec<Row>("SELECT * FROM dead_letters WHERE endpoint = ? AND id = ?", endpoint, id).toArray()[0];
  return row && fromRow(row);
}

export function deleteDeadLetter(sql: SqlStorage, endpoint: string, id: string): void {
  sql.exec("DELETE FROM dead_letters WHERE endpoint = ? AND id = ?", endpoint, id);
}

export function deleteDeadLettersOf(sql: SqlStorage, endpoint: string): void {
  sql.exec("DELETE FROM dead_letters WHERE endpoint = ?", endpoint);
}
