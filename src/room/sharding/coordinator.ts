// The coordinator's side of a sharded room: which shards hold sockets (durable, so a hibernated
// coordinator still knows), the layout they were created under, and forwarding. Each shard is
// reached through one long-lived stub, so forwards arrive in the order they were made; each forward
// names the one sent before it, so a shard can tell a lost forward from a message meant elsewhere.
import type { Env } from "../../env.ts";
import { log } from "../../log.ts";
import { roomStubByName } from "../client.ts";
import type { Room } from "../room.ts";
import { hasTable } from "../storage.ts";
import type { Forward } from "./feed.ts";
import { shardObjectName, shardsFor } from "./placement.ts";

/**
 * What a shard answers a run of forwards: per message, the sockets reached and their users (for
 * audiences); and whether it still holds any socket.
 */
export type ForwardResult = { delivered: number[]; users: string[][]; held: boolean };

type LayoutRow = { tenant: string; room: string; count: number };

export class Fanout {
  private readonly sql: SqlStorage;
  private readonly env: Env;
  private layoutRow: LayoutRow | undefined;
  private readonly shards = new Map<number, { watchers: boolean }>();
  /** Last seq forwarded to each shard in this object's life; unknown after eviction. */
  private readonly sent = new Map<number, number>();
  private readonly stubs = new Map<number, DurableObjectStub<Room>>();

  constructor(sql: SqlStorage, env: Env) {
    this.sql = sql;
    this.env = env;
    if (!hasTable(sql, "fanout_layout")) return;
    this.layoutRow = sql.exec<LayoutRow>("SELECT tenant, room, count FROM fanout_layout").toArray()[0];
    for (const row of sql.exec<{ idx: number; watchers: number }>("SELECT idx, watchers FROM fanout_shards"))
      this.shards.set(row.idx, { watchers: row.watchers === 1 });
  }

  /** The shard count of the room's live shards; undefined while no shard holds sockets. */
  get count(): number | undefined {
    return this.shards.size === 0 ? undefined : this.layoutRow?.count;
  }

  get live(): ReadonlySet<number> {
    return new Set(this.shards.keys());
  }

  /** Whether any shard has presence watchers. */
  get watched(): boolean {
    for (const s of this.shards.values()) if (s.watchers) return true;
    return false;
  }

  /** A shard took its first socket; the caller has checked that `count` is the room's layout. */
  attach(tenant: string, room: string, index: number, count: number, fed: number): void {
    this.sql.exec(`CREATE TABLE IF NOT EXISTS fanout_layout (tenant TEXT NOT NULL, room TEXT NOT NULL, count INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS fanout_shards (idx INTEGER PRIMARY KEY, watchers INTEGER NOT NULL)`);
    if (this.shards.size === 0) {
      this.sql.exec("DELETE FROM fanout_layout");
      this.sql.exec("INSERT INTO fanout_layout (tenant, room, count) VALUES (?, ?, ?)", tenant, room, count);
      this.layoutRow = { tenant, room, count };
    }
    this.sql.exec("INSERT OR IGNORE INTO fanout_shards (idx, watchers) VALUES (?, 0)", index);
    if (!this.shards.has(index)) this.shards.set(index, { watchers: false });
    this.sent.set(index, fed);
  }

  /** A shard holds no socket any more: it is sent nothing until it attaches again. */
  detach(index: number): void {
    if (!this.shards.delete(index)) return;
    this.sql.exec("DELETE FROM fanout_shards WHERE idx = ?", index);
    this.sent.delete(index);
  }

  /** Records whether a shard has presence watchers; true when the room's watched state changed. */
  setWatchers(index: number, has: boolean): boolean {
    const shard = this.shards.get(index);
    if (shard === undefined || shard.watchers === has) return false;
    const before = this.watched;
    shard.watchers = has;
    this.sql.exec("UPDATE fanout_shards SET watchers = ? WHERE idx = ?", has ? 1 : 0, index);
    return before !== this.watched;
  }

  /**
   * Forwards a run of consecutive messages to the live shards each is for: one call per shard,
   * carrying that shard's messages in seq order. Every call starts before any await, so runs leave
   * in seq order. A call that fails is sent once more on a fresh stub, its first message naming no
   * predecessor, so the shard checks its gap against history (and skips what it had delivered).
   */
  async forward(run: readonly Omit<Forward, "prev">[]): Promise<{ delivered: number; users: string[] }[]> {
    const totals = run.map(() => ({ delivered: 0, users: [] as string[] }));
    const layout = this.layoutRow;
    if (layout === undefined) return totals;
    const perShard = new Map<number, { at: number[]; forwards: Forward[] }>();
    run.forEach((f, at) => {
      for (const index of shardsFor(f.to, layout.tenant, this.live, layout.count)) {
        const mine = perShard.get(index) ?? { at: [], forwards: [] };
        perShard.set(index, mine);
        mine.at.push(at);
        mine.forwards.push({ ...f, prev: this.sent.get(index) });
        this.sent.set(index, f.seq);
      }
    });
    await Promise.all(
      [...perShard].map(async ([index, { at, forwards }]) => {
        const first = forwards[0] as Forward;
        const r =
          (await this.call(index, (stub) => stub.feed(forwards))) ??
          (await this.call(index, (stub) => stub.feed([{ ...first, prev: undefined }, ...forwards.slice(1)])));
        if (r === undefined) return;
        r.delivered.forEach((n, i) => {
          const total = totals[at[i] as number];
          if (total === undefined) return;
          total.delivered += n;
          total.users.push(...(r.users[i] ?? []));
        });
        // A shard whose sockets all went without a close (a deploy) tells us on its next forward.
        if (!r.held) this.detach(index);
      }),
    );
    return totals;
  }

  /** Presence news from one shard for the watchers on the others. */
  async relay(from: number, frame: string): Promise<void> {
    const targets = [...this.shards].filter(([i, s]) => i !== from && s.watchers).map(([i]) => i);
    await Promise.all(targets.map((i) => this.call(i, (stub) => stub.presenceFrom(frame))));
  }

  /** Tells every live shard whether the room is watched now. */
  async broadcastWatched(): Promise<void> {
    const watched = this.watched;
    await Promise.all([...this.shards.keys()].map((i) => this.call(i, (stub) => stub.setWatched(watched))));
  }

  /** Asks every live shard; a shard that does not answer is left out. */
  async each<T>(ask: (stub: DurableObjectStub<Room>) => Promise<T>): Promise<{ index: number; value: T }[]> {
    const indexes = [...this.shards.keys()];
    const answers = await Promise.all(indexes.map((i) => this.call(i, ask)));
    return indexes.flatMap((index, i) => {
      const value = answers[i];
      return value === undefined ? [] : [{ index, value }];
    });
  }

  /** Asks the shards holding `target` (users and connections); every live shard when it cannot tell. */
  async some<T>(
    target: { users?: string[] | undefined; connections?: string[] | undefined },
    ask: (stub: DurableObjectStub<Room>) => Promise<T>,
  ): Promise<T[]> {
    const layout = this.layoutRow;
    if (layout === undefined) return [];
    const indexes = shardsFor(target, layout.tenant, this.live, layout.count);
    const answers = await Promise.all(indexes.map((i) => this.call(i, ask)));
    return answers.filter((a): a is Awaited<T> => a !== undefined);
  }

  /**
   * One call through the shard's long-lived stub. A stub that failed is broken for good: drop it,
   * and forget what was sent, so the shard checks the next forward against history.
   */
  private async call<T>(index: number, ask: (stub: DurableObjectStub<Room>) => Promise<T>): Promise<T | undefined> {
    const layout = this.layoutRow;
    if (layout === undefined) return undefined;
    let stub = this.stubs.get(index);
    if (stub === undefined) {
      stub = roomStubByName(this.env, shardObjectName(layout.tenant, layout.room, index));
      this.stubs.set(index, stub);
    }
    try {
      return await ask(stub);
    } catch (err) {
      this.stubs.delete(index);
      this.sent.delete(index);
      log("shard_call_failed", { shard: index, error: String(err) });
      return undefined;
    }
  }
}
