// What an object of the room keeps for its webhook events, in its own storage: who it is to the
// consumer (tenant, object name), the counter its events carry, whether the room is occupied and
// what the tenant's endpoints want from the room, as a few keys of the object's synchronous KV (one
// indexed row each); the users present and the outbox, in SQLite tables created by the first event
// that needs them. So a room of a tenant without webhooks stores one key and creates no table.
import { type NewerFormatError, newerFormat } from "../../format-version.ts";
import { OUTBOX_SCHEMA } from "../../webhooks/outbox.ts";
import type { WebhookEventType } from "../../wire.ts";

/** The format of these keys and tables, kept under `webhook:format` (absent: 1). */
export const EVENTS_FORMAT = 1;

const SCHEMA = `CREATE TABLE IF NOT EXISTS webhook_members (user TEXT PRIMARY KEY); ${OUTBOX_SCHEMA}`;

/** The keys this store keeps, and their values. */
type Values = {
  format: number;
  /** The tables exist. */
  tables: boolean;
  origin: { tenant: string; origin: string };
  counter: number;
  occupied: boolean;
  interest: { types: WebhookEventType[]; at: number };
};

export class EventStore {
  readonly sql: SqlStorage;
  private readonly kv: SyncKvStorage;
  private readonly values = new Map<keyof Values, unknown>();
  private members: Set<string> | undefined;

  constructor(storage: DurableObjectStorage) {
    this.sql = storage.sql;
    this.kv = storage.kv;
  }

  get<K extends keyof Values>(key: K): Values[K] | undefined {
    if (!this.values.has(key)) this.values.set(key, this.kv.get(`webhook:${key}`));
    return this.values.get(key) as Values[K] | undefined;
  }

  set<K extends keyof Values>(key: K, value: Values[K]): void {
    if (this.get(key) === value) return;
    if (this.get("format") === undefined) this.put("format", EVENTS_FORMAT);
    this.put(key, value);
  }

  /**
   * Set when a newer gateway version wrote these (a rollback): then this version records no event
   * here and leaves them as they are.
   */
  newer(): NewerFormatError | undefined {
    return newerFormat("the room's webhook state", this.get("format"), EVENTS_FORMAT);
  }

  /** Whether the outbox table exists (else there is nothing to hand over). */
  hasTables(): boolean {
    return this.get("tables") === true;
  }

  /** Creates the tables once; the caller writes to them next. */
  tables(): SqlStorage {
    if (!this.hasTables()) {
      this.sql.exec(SCHEMA);
      this.set("tables", true);
    }
    return this.sql;
  }

  /** Adds or removes a present user; true when that changed anything. */
  setMember(user: string, present: boolean): boolean {
    this.members ??= new Set(
      this.hasTables()
        ? this.sql
            .exec<{ user: string }>("SELECT user FROM webhook_members")
            .toArray()
            .map((r) => r.user)
        : [],
    );
    if (this.members.has(user) === present) return false;
    if (present) {
      this.members.add(user);
      this.tables().exec("INSERT OR IGNORE INTO webhook_members (user) VALUES (?)", user);
    } else {
      this.members.delete(user);
      this.tables().exec("DELETE FROM webhook_members WHERE user = ?", user);
    }
    return true;
  }

  /** A number that grows with every change recorded here, and keeps growing when the storage is recycled. */
  nextCounter(now: number): number {
    // Microseconds of the clock as a floor: a room whose storage was deleted, or whose users moved
    // to another shard, never goes back below a counter it gave before (short of a clock jump).
    const next = Math.max((this.get("counter") ?? 0) + 1, now * 1000);
    this.set("counter", next);
    return next;
  }

  /** The object deleted its storage: nothing here is known any more. */
  forget(): void {
    this.values.clear();
    this.members = undefined;
  }

  private put<K extends keyof Values>(key: K, value: Values[K]): void {
    this.kv.put(`webhook:${key}`, value);
    this.values.set(key, value);
  }
}
