// One Durable Object per tenant: the tenant's token revocations and the rooms that hold sockets,
// so a revocation reaches every live connection within one round of RPCs.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { log } from "../log.ts";
import type { Revocation } from "../protocol.ts";
import { roomStub } from "../room/stub.ts";
import { isRevoked, type TokenRef } from "./revocations.ts";

type RevocationRow = { kind: string; value: string; before: number | null; keep_until: number };

const nowSeconds = () => Math.floor(Date.now() / 1000);

export class Tenant extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS rooms (name TEXT PRIMARY KEY);
      CREATE TABLE IF NOT EXISTS revocations (kind TEXT NOT NULL, value TEXT NOT NULL, before INTEGER,
        keep_until INTEGER NOT NULL, PRIMARY KEY (kind, value))`);
  }

  /** A room with sockets asks to hear of revocations; it gets the current ones back. */
  async register(room: string): Promise<Revocation[]> {
    this.sql.exec("INSERT OR IGNORE INTO rooms (name) VALUES (?)", room);
    return this.active();
  }

  /** A room without sockets no longer needs revocations pushed to it. */
  async unregister(room: string): Promise<void> {
    this.sql.exec("DELETE FROM rooms WHERE name = ?", room);
  }

  async isRevoked(token: TokenRef): Promise<boolean> {
    return isRevoked(this.active(), token, nowSeconds());
  }

  /** Records a revocation and has every registered room close the sockets it matches. */
  async revoke(tenant: string, r: Revocation): Promise<number> {
    const value = r.kind === "jti" ? r.jti : r.sub;
    const before = r.kind === "sub" ? r.before : null;
    this.sql.exec(
      `INSERT INTO revocations (kind, value, before, keep_until) VALUES (?, ?, ?, ?)
       ON CONFLICT(kind, value) DO UPDATE SET before = max(coalesce(before, 0), coalesce(excluded.before, 0)),
       keep_until = max(keep_until, excluded.keep_until)`,
      r.kind,
      value,
      before,
      r.keepUntil,
    );
    const rooms = this.sql.exec<{ name: string }>("SELECT name FROM rooms").toArray();
    const results = await Promise.allSettled(rooms.map(({ name }) => roomStub(this.env, tenant, name).revoke(r)));
    let closed = 0;
    for (const result of results) {
      if (result.status === "fulfilled") closed += result.value;
      else log("revocation_push_failed", { tenant, error: String(result.reason) });
    }
    return closed;
  }

  private active(): Revocation[] {
    const now = nowSeconds();
    this.sql.exec("DELETE FROM revocations WHERE keep_until <= ?", now);
    return this.sql
      .exec<RevocationRow>("SELECT kind, value, before, keep_until FROM revocations")
      .toArray()
      .map((row) =>
        row.kind === "jti"
          ? { kind: "jti", jti: row.value, keepUntil: row.keep_until }
          : { kind: "sub", sub: row.value, before: row.before ?? 0, keepUntil: row.keep_until },
      );
  }
}

export function tenantStub(env: Env, tenant: string) {
  return env.TENANTS.get(env.TENANTS.idFromName(tenant));
}
