// The tenant's revocations as a log a room reads from where it left off. Each write (a new
// revocation, or one renewed) takes the next number of a counter kept in `meta`, never reused
// even after rows expire; a room's registration sends the last number it holds and gets only
// what is newer, a page at a time. So a room that registers again every lease receives the
// revocations made since its last answer, not the whole list. Rows written without a number (before
// numbering, or by an older version after a rollback) are numbered before the next read, so every
// room receives them once.
import type { Revocation } from "../protocol.ts";

/** Revocations in one answer; a room holding more asks again (`more`). */
export const REVOCATION_PAGE_SIZE = 500;

/** Revocations newer than the room's version, and the version it holds once it has merged them. */
export type RevocationPage = { revocations: Revocation[]; version: number; more: boolean };

type Row = { kind: string; value: string; before: number | null; keep_until: number; seq: number | null };

/** Adds the write number to a table created before it; idempotent. */
export function numberRevocations(sql: SqlStorage): void {
  const columns = sql.exec<{ name: string }>("PRAGMA table_info(revocations)").toArray();
  if (!columns.some((c) => c.name === "seq")) sql.exec("ALTER TABLE revocations ADD COLUMN seq INTEGER");
  sql.exec("CREATE INDEX IF NOT EXISTS revocations_seq ON revocations (seq)");
}

/**
 * The number for the next write: past every number handed out, expired rows included, and never
 * below the clock (ms). An empty tenant deletes its storage, counter included, while rooms may
 * still hold numbers from before: the clock starts the new count above them (the old count ran
 * ahead of the clock only by a burst of writes faster than one per ms, and every revocation had
 * expired, a minute at least, before the storage went).
 */
export function nextRevocationSeq(sql: SqlStorage, nowMs: number): number {
  return sql
    .exec<{ value: number }>(
      `INSERT INTO meta (key, value) VALUES ('revocation_seq', ?1)
       ON CONFLICT(key) DO UPDATE SET value = max(value + 1, ?1) RETURNING value`,
      nowMs,
    )
    .one().value;
}

/** Active revocations numbered above `since`, oldest first, one page. */
export function revocationsSince(sql: SqlStorage, since: number, nowMs: number): RevocationPage {
  const nowSeconds = Math.floor(nowMs / 1000);
  numberUnnumbered(sql, nowMs);
  const rows = sql
    .exec<Row>(
      `SELECT kind, value, before, keep_until, seq FROM revocations
       WHERE keep_until > ?1 AND seq > ?2 ORDER BY seq LIMIT ?3`,
      nowSeconds,
      since,
      REVOCATION_PAGE_SIZE + 1,
    )
    .toArray();
  const more = rows.length > REVOCATION_PAGE_SIZE;
  const page = rows.slice(0, REVOCATION_PAGE_SIZE);
  const last = page.at(-1)?.seq ?? since;
  // A full answer brings the room up to the counter (later numbers may have expired meanwhile).
  const version = more ? last : Math.max(last, currentSeq(sql));
  return { revocations: page.map(toRevocation), version, more };
}

/** Numbers above every number handed out (rowids are distinct), then moves the counter past them. */
function numberUnnumbered(sql: SqlStorage, nowMs: number): void {
  if (sql.exec("SELECT 1 FROM revocations WHERE seq IS NULL LIMIT 1").toArray().length === 0) return;
  sql.exec("UPDATE revocations SET seq = ? + rowid WHERE seq IS NULL", Math.max(currentSeq(sql), nowMs));
  sql.exec(
    `INSERT INTO meta (key, value) SELECT 'revocation_seq', max(seq) FROM revocations WHERE true
     ON CONFLICT(key) DO UPDATE SET value = max(value, excluded.value)`,
  );
}

function currentSeq(sql: SqlStorage): number {
  return sql.exec<{ value: number }>("SELECT value FROM meta WHERE key = 'revocation_seq'").toArray()[0]?.value ?? 0;
}

/** Every active revocation: what a room of an older version, which sends no version, gets. */
export function allRevocations(sql: SqlStorage, nowSeconds: number): Revocation[] {
  return sql
    .exec<Row>("SELECT kind, value, before, keep_until, seq FROM revocations WHERE keep_until > ?", nowSeconds)
    .toArray()
    .map(toRevocation);
}

const toRevocation = (row: Row): Revocation =>
  row.kind === "jti"
    ? { kind: "jti", jti: row.value, keepUntil: row.keep_until }
    : { kind: "sub", sub: row.value, before: row.before ?? 0, keepUntil: row.keep_until };
