// Idempotent publishes: a key, owned by one credential, remembers what its publish answered for as
// long as history is kept (HISTORY_MAX_AGE_SECONDS). The room looks a key up, publishes and records
// in one synchronous step, so two requests with the same key can never both deliver.
import type { IdempotencyRef, PublishOutcome, PublishResult } from "../../protocol.ts";
import { publishResultsSchema } from "../../protocol.ts";
import { hasTable } from "../storage.ts";

type Row = { fingerprint: string; results: string };

// Created by the first keyed publish, so a room that never saw a key stores no table for keys.
const SCHEMA = `CREATE TABLE IF NOT EXISTS idempotency (owner TEXT NOT NULL, key TEXT NOT NULL,
    fingerprint TEXT NOT NULL, results TEXT NOT NULL, ts INTEGER NOT NULL, PRIMARY KEY (owner, key));
  CREATE INDEX IF NOT EXISTS idempotency_ts ON idempotency (ts)`;

const inflightId = (ref: IdempotencyRef) => `${ref.owner}\u0000${ref.key}`;

export class IdempotencyStore {
  private readonly sql: SqlStorage;
  private readonly inflight = new Map<string, { fingerprint: string; results: Promise<PublishResult[]> }>();
  /** The room's history age: set with it (Ledger.setMaxAge). */
  maxAgeMs: number;
  private hasSchema: boolean;

  constructor(sql: SqlStorage, maxAgeMs: number) {
    this.sql = sql;
    this.maxAgeMs = maxAgeMs;
    this.hasSchema = hasTable(sql, "idempotency");
  }

  /**
   * Publishes once per key: without a key, or with one not seen within the age bound, runs `publish`
   * and records its results; a key seen before answers from its record, or with `key_reused` when
   * it was used for a different request. `publish` numbers its messages before it first awaits (a
   * sharded room then waits for its shards), and the check comes before it with no await between,
   * so two requests with the same key can never both deliver: the second waits for the first.
   */
  once(ref: IdempotencyRef | undefined, now: number, publish: () => Promise<PublishResult[]>): Promise<PublishOutcome> {
    if (ref === undefined) return publish().then((results) => ({ status: "published", results }));
    const prior = this.find(ref, now) ?? this.pending(ref);
    if (prior !== undefined) return Promise.resolve(prior);
    const id = inflightId(ref);
    const results = publish();
    this.inflight.set(id, { fingerprint: ref.fingerprint, results });
    return results
      .then((r): PublishOutcome => {
        this.record(ref, r, now);
        return { status: "published", results: r };
      })
      .finally(() => this.inflight.delete(id));
  }

  /** A publish with this key still waiting for its results: its answer, once it has one. */
  private pending(ref: IdempotencyRef): Promise<PublishOutcome> | PublishOutcome | undefined {
    const running = this.inflight.get(inflightId(ref));
    if (running === undefined) return undefined;
    if (running.fingerprint !== ref.fingerprint) return { status: "key_reused" };
    return running.results.then((results) => ({ status: "replayed", results }));
  }

  private find(ref: IdempotencyRef, now: number): PublishOutcome | undefined {
    if (!this.hasSchema) return undefined;
    const row = this.sql
      .exec<Row>(
        "SELECT fingerprint, results FROM idempotency WHERE owner = ? AND key = ? AND ts >= ?",
        ref.owner,
        ref.key,
        now - this.maxAgeMs,
      )
      .toArray()[0];
    if (row === undefined) return undefined;
    if (row.fingerprint !== ref.fingerprint) return { status: "key_reused" };
    return { status: "replayed", results: publishResultsSchema.parse(JSON.parse(row.results)) };
  }

  private record(ref: IdempotencyRef, results: PublishResult[], now: number): void {
    if (!this.hasSchema) {
      this.sql.exec(SCHEMA);
      this.hasSchema = true;
    }
    // REPLACE: an expired record the prune has not reached yet gives way to the new one.
    this.sql.exec(
      "INSERT OR REPLACE INTO idempotency (owner, key, fingerprint, results, ts) VALUES (?, ?, ?, ?, ?)",
      ref.owner,
      ref.key,
      ref.fingerprint,
      JSON.stringify(results),
      now,
    );
  }

  /** Deletes the records the age bound no longer keeps at `now`. */
  expire(now: number): void {
    if (this.hasSchema) this.sql.exec("DELETE FROM idempotency WHERE ts < ?", now - this.maxAgeMs);
  }

  /** When the oldest record falls out of the age bound, or undefined when none is stored. */
  nextExpiry(): number | undefined {
    if (!this.hasSchema) return undefined;
    const row = this.sql.exec<{ ts: number | null }>("SELECT min(ts) AS ts FROM idempotency").one();
    return row.ts === null ? undefined : row.ts + this.maxAgeMs;
  }

  /** Deletes every record (its tenant was deleted). */
  purge(): void {
    if (this.hasSchema) this.sql.exec("DELETE FROM idempotency");
  }

  /** The room deleted its storage: the table is gone too. */
  forget(): void {
    this.hasSchema = false;
  }
}
