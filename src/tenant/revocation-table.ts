// The tenant's token revocations in its object's SQLite: recorded (under a cap), looked up by the
// table's key, pruned once every token they can match has expired, and read by rooms as numbered
// pages (revocation-pages.ts).
import type { Revocation } from "../protocol.ts";
import { allRevocations, nextRevocationSeq, type RevocationPage, revocationsSince } from "./revocation-pages.ts";
import type { TokenRef } from "./revocations.ts";

/**
 * Active revocations a tenant may hold. Each is kept until every token it can match has expired
 * (`MAX_TOKEN_LIFETIME_SECONDS`); past the cap a new one is refused with `409 too_many_revocations`.
 */
export const MAX_ACTIVE_REVOCATIONS = 10_000;

export class RevocationTable {
  /** The table, unless a newer gateway version wrote it (then this throws). */
  private readonly sql: () => SqlStorage;

  constructor(sql: () => SqlStorage) {
    this.sql = sql;
  }

  /**
   * Whether a revocation covers the token: two lookups by the table's key (its jti, its sub), so the
   * cost does not grow with the list.
   */
  covers(t: TokenRef, nowSeconds: number): boolean {
    return (
      this.sql()
        .exec(
          `SELECT 1 FROM revocations WHERE keep_until > ?1 AND ((kind = 'jti' AND value = ?2)
             OR (kind = 'sub' AND value = ?3 AND coalesce(before, 0) >= ?4)) LIMIT 1`,
          nowSeconds,
          t.jti ?? null,
          t.id,
          t.iat ?? 0,
        )
        .toArray().length > 0
    );
  }

  /** Records `r` (or renews it) with the next write number; false when the cap refuses it (nothing recorded). */
  record(r: Revocation, nowMs: number): boolean {
    const value = r.kind === "jti" ? r.jti : r.sub;
    const before = r.kind === "sub" ? r.before : null;
    this.prune(Math.floor(nowMs / 1000));
    if (this.atCap(r.kind, value)) return false;
    this.sql().exec(
      `INSERT INTO revocations (kind, value, before, keep_until, seq) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(kind, value) DO UPDATE SET before = max(coalesce(before, 0), coalesce(excluded.before, 0)),
       keep_until = max(keep_until, excluded.keep_until), seq = excluded.seq`,
      r.kind,
      value,
      before,
      r.keepUntil,
      nextRevocationSeq(this.sql(), nowMs),
    );
    return true;
  }

  prune(nowSeconds: number): void {
    this.sql().exec("DELETE FROM revocations WHERE keep_until <= ?", nowSeconds);
  }

  /** When the first revocation may be deleted (ms), or undefined when none is held. */
  nextExpiry(): number | undefined {
    const at = this.sql().exec<{ at: number | null }>("SELECT min(keep_until) * 1000 AS at FROM revocations").one().at;
    return at ?? undefined;
  }

  /** The revocations numbered above `since`, one page. */
  page(since: number, nowMs: number): RevocationPage {
    return revocationsSince(this.sql(), since, nowMs);
  }

  /** Every active revocation (for a room of an older version, which sends no number). */
  all(nowSeconds: number): Revocation[] {
    return allRevocations(this.sql(), nowSeconds);
  }

  /** Whether a new revocation would pass the cap: one already listed (renewed) never does. */
  private atCap(kind: string, value: string): boolean {
    const sql = this.sql();
    if (sql.exec("SELECT 1 FROM revocations WHERE kind = ? AND value = ?", kind, value).toArray().length > 0)
      return false;
    return sql.exec<{ n: number }>("SELECT count(*) AS n FROM revocations").one().n >= MAX_ACTIVE_REVOCATIONS;
  }
}
