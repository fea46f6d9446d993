// The objects holding a tenant's sockets (a room's or a shard's), registered by the name they
// registered with: each registration is a lease, renewed by the object's admissions, during which
// the object may decide from what the tenant last told it. A push (a revocation, new terms) goes to
// every registered object and is answered once none can still decide from what it knew before.
// Rooms depend on the tenant, never the other way: the tenant reaches them by name, through the namespace.
import type { TenantTerms } from "../control/terms.ts";
import type { Env } from "../env.ts";
import { log } from "../log.ts";
import type { Revocation } from "../protocol.ts";
import { sleep, withRetries } from "../retry.ts";

/**
 * The answer to a room that asks to admit a token: its revocations, unless this token is one, and
 * the tenant's terms (status, limits; absent from a tenant object older than them).
 */
export type Registration = {
  revoked: boolean;
  revocations: Revocation[];
  terms?: TenantTerms;
  /** Absent when the room sent no version (an older room): then `revocations` is the whole list. */
  version?: number;
  /** More revocations newer than `version`: the room asks `revocationsSince(version)`. */
  more?: boolean;
};

/** What an object answers a pushed revocation: sockets it closed, and sockets (or connects) it still holds. */
export type PushResult = { closed: number; open: number };

/** How long a registration's answer is trusted; the tenant waits this long for a room it cannot reach. */
export const REVOCATION_LEASE_MS = 5_000;

/** Waits before the second and third push; a busy object usually answers the retry. */
const PUSH_RETRY_DELAYS_MS = [50, 250] as const;

/** A registration no admission has renewed for this long is checked for sockets by the alarm. */
export const SWEEP_AFTER_MS = 3_600_000;

type RegistrationRow = { object: string; lease_until: number };

/** An object of the room class by its name (a room's or a shard's): registered holders, rooms that store data. */
export const holderStub = (env: Env, object: string) => env.ROOMS.get(env.ROOMS.idFromName(object));
export type HolderStub = ReturnType<typeof holderStub>;

export class Holders {
  /** The table, unless a newer gateway version wrote it (then this throws). */
  private readonly sql: () => SqlStorage;
  private readonly env: Env;

  constructor(sql: () => SqlStorage, env: Env) {
    this.sql = sql;
    this.env = env;
  }

  /** Registers `object` (or renews its lease) from `now`. */
  lease(object: string, now: number): void {
    this.sql().exec(
      `INSERT INTO registrations (object, lease_until) VALUES (?, ?)
       ON CONFLICT(object) DO UPDATE SET lease_until = excluded.lease_until`,
      object,
      now + REVOCATION_LEASE_MS,
    );
  }

  /** An object whose last socket left. */
  remove(object: string): void {
    this.sql().exec("DELETE FROM registrations WHERE object = ?", object);
  }

  /**
   * Has every registered object apply `push` (a revocation, new terms) and answers how many sockets
   * they closed, once no object can still decide from what it knew before: each confirmed, or its
   * lease (the time it may decide from an older answer) has run out.
   */
  async push(push: (stub: HolderStub) => Promise<PushResult>, failure: string): Promise<number> {
    const registrations = this.sql().exec<RegistrationRow>("SELECT object, lease_until FROM registrations").toArray();
    const outcomes = await Promise.all(
      registrations.map((reg) =>
        withRetries<PushResult>(() => push(holderStub(this.env, reg.object)), PUSH_RETRY_DELAYS_MS, sleep),
      ),
    );
    let closed = 0;
    let unconfirmedUntil = 0;
    outcomes.forEach((outcome, i) => {
      const reg = registrations[i] as RegistrationRow;
      if (outcome.ok) {
        closed += outcome.value.closed;
        if (outcome.value.open === 0) this.forget(reg);
        return;
      }
      log(failure, { object: reg.object, error: String(outcome.error) });
      unconfirmedUntil = Math.max(unconfirmedUntil, reg.lease_until);
    });
    // An object that never answered decides from its cached answer until its lease ends; after that
    // it must register again and learns what was pushed.
    if (unconfirmedUntil > Date.now()) await sleep(unconfirmedUntil - Date.now());
    return closed;
  }

  /** Forgets the registrations no admission renewed for SWEEP_AFTER_MS whose object holds no socket. */
  async sweep(now: number): Promise<void> {
    const stale = this.sql()
      .exec<RegistrationRow>(
        "SELECT object, lease_until FROM registrations WHERE lease_until < ?",
        now - SWEEP_AFTER_MS,
      )
      .toArray();
    for (const reg of stale) {
      const holds = await withRetries(() => holderStub(this.env, reg.object).holdsSockets(), [], sleep);
      if (holds.ok && !holds.value) this.forget(reg);
    }
  }

  /** When the next sweep is due (ms), or undefined when nothing is registered. */
  nextSweep(): number | undefined {
    const at = this.sql()
      .exec<{ at: number | null }>("SELECT min(lease_until) + ? AS at FROM registrations", SWEEP_AFTER_MS)
      .one().at;
    return at ?? undefined;
  }

  /** Drops a registration unless the room registered again meanwhile (its lease would differ). */
  private forget(reg: RegistrationRow): void {
    this.sql().exec("DELETE FROM registrations WHERE object = ? AND lease_until = ?", reg.object, reg.lease_until);
  }
}
