// What an object of the room keeps for its webhook events, in its own SQLite: who it is to the
// consumer (tenant, object name), the counter its events carry, whether the room is occupied, the
// users present, and what the tenant's endpoints want from the room. Tables are created by their
// first write, so a room of a tenant without webhooks stores only the (empty) interest.
import { type NewerFormatError, newerFormat } from "../../format-version.ts";
import { OUTBOX_SCHEMA } from "../../webhooks/outbox.ts";
import { hasTable } from "../storage.ts";

/** The format of these tables, kept as the `format` row of `webhook_state` (absent: 1). */
export const EVENTS_FORMAT = 1;

const SCHEMA = `CREATE TABLE IF NOT EXISTS webhook_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS webhook_members (user TEXT PRIMARY KEY);
  ${OUTBOX_SCHEMA}`;

export class EventStore {
  readonly sql: SqlStorage;
  /** Whether the tables exist; unknown until first asked in this object life. */
  private created: boolean | undefined;
  private values: Map<string, string> | undefined;
  private members: Set<string> | undefined;

  constructor(sql: SqlStorage) {
    this.sql = sql;
  }

  /**
   * Set when a newer gateway version wrote these tables (a rollback): then this version records
   * no event here and leaves them as they are.
   */
  newer(): NewerFormatError | undefined {
    const format = this.state().get("format");
    return newerFormat("the room's webhook tables", format === undefined ? undefined : Number(format), EVENTS_FORMAT);
  }

  /** Whether anything was ever recorded here (else there is no outbox to read). */
  exists(): boolean {
    this.created ??= hasTable(this.sql, "webhook_state");
    return this.created;
  }

  get(key: string): string | undefined {
    return this.state().get(key);
  }

  set(key: string, value: string): void {
    const state = this.state();
    if (state.get(key) === value) return;
    this.create();
    this.sql.exec("INSERT OR REPLACE INTO webhook_state (key, value) VALUES (?, ?)", key, value);
    state.set(key, value);
  }

  /** Adds or removes a present user; true when that changed anything. */
  setMember(user: string, present: boolean): boolean {
    const members = this.memberSet();
    if (members.has(user) === present) return false;
    this.create();
    if (present) {
      members.add(user);
      this.sql.exec("INSERT OR IGNORE INTO webhook_members (user) VALUES (?)", user);
    } else {
      members.delete(user);
      this.sql.exec("DELETE FROM webhook_members WHERE user = ?", user);
    }
    return true;
  }

  /** A number that grows with every change recorded here, and keeps growing when the storage is recycled. */
  nextCounter(now: number): number {
    // Microseconds of the clock as a floor: a room whose storage was deleted, or whose users moved
    // to another shard, never goes back below a counter it gave before (short of a clock jump).
    const next = Math.max(Number(this.get("counter") ?? 0) + 1, now * 1000);
    this.set("counter", String(next));
    return next;
  }

  /** The object deleted its storage: nothing here is known any more. */
  forget(): void {
    this.created = undefined;
    this.values = undefined;
    this.members = undefined;
  }

  private create(): void {
    if (this.created === true) return;
    this.sql.exec(SCHEMA);
    this.sql.exec("INSERT OR IGNORE INTO webhook_state (key, value) VALUES ('format', ?)", String(EVENTS_FORMAT));
    this.values?.set("format", String(EVENTS_FORMAT));
    this.created = true;
  }

  private state(): Map<string, string> {
    this.values ??= new Map(
      this.exists()
        ? this.sql
            .exec<{ key: string; value: string }>("SELECT key, value FROM webhook_state")
            .toArray()
            .map((r) => [r.key, r.value])
        : [],
    );
    return this.values;
  }

  private memberSet(): Set<string> {
    this.members ??= new Set(
      this.exists()
        ? this.sql
            .exec<{ user: string }>("SELECT user FROM webhook_members")
            .toArray()
            .map((r) => r.user)
        : [],
    );
    return this.members;
  }
}
