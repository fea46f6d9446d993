// The hot path's view of the control plane, per isolate: tenants' snapshots and runtime API keys,
// each read from the tenant's own object on a miss and kept at most FRESH_MS from when the read
// was sent. So a revoked key, a removed signing key, a suspension or a new limit is in force
// everywhere within FRESH_MS (plus one read's latency) of the operator's 2xx: the 5 s bar.
import { importJWK } from "jose";
import type { KeyRecord } from "../auth/api-keys.ts";
import { algOf } from "../auth/verifier.ts";
import type { SigningKey, TenantSnapshot } from "../protocol.ts";
import { TtlCache } from "./ttl-cache.ts";

/** How long a snapshot or a known key is trusted (under the 5 s bar, with a second for the read). */
export const FRESH_MS = 4_000;
/** How long a key id its tenant does not know stays refused without asking again. */
export const UNKNOWN_KEY_MS = 30_000;
/** A token naming a kid the snapshot lacks asks the tenant again only if the snapshot is this old. */
export const UNKNOWN_KID_RECHECK_MS = 1_000;
/** Bounds on memory: snapshots are a few kB (their keys), key records a few hundred bytes. */
const SNAPSHOTS = 2_048;
const KEYS = 16_384;
const IMPORTED = 1_024;

/** The two reads the hot path makes of a tenant's object (Tenant.controlSnapshot, controlUseKey). */
export type TenantReads = {
  snapshot(tenant: string, unknownKid: boolean): Promise<TenantSnapshot>;
  useKey(tenant: string, id: string, hash: string): Promise<{ key: KeyRecord | undefined; snapshot: TenantSnapshot }>;
};

/** Runs before a read that no cached answer spares, when unverified input asked for it (the per-IP brake). */
export type Brake = () => Promise<void>;

export type VerificationKey = { key: CryptoKey | Uint8Array; alg: string; fingerprint: string };

export class ControlLookups {
  private readonly reads: TenantReads;
  private readonly now: () => number;
  private readonly snapshots: TtlCache<TenantSnapshot>;
  private readonly keys: TtlCache<KeyRecord | null>;
  private readonly imported: TtlCache<VerificationKey>;

  constructor(reads: TenantReads, now: () => number) {
    this.reads = reads;
    this.now = now;
    this.snapshots = new TtlCache(SNAPSHOTS, FRESH_MS, now);
    this.keys = new TtlCache(KEYS, FRESH_MS, now);
    this.imported = new TtlCache(IMPORTED, Number.POSITIVE_INFINITY, now);
  }

  /** The tenant as its object last said, at most FRESH_MS old. */
  snapshot(tenant: string, brake?: Brake): Promise<TenantSnapshot> {
    return this.snapshots.get(
      tenant,
      () => this.readSnapshot(tenant, false, brake),
      () => FRESH_MS,
    );
  }

  /**
   * The record of runtime key `id` of `tenant`; a miss reads the tenant's object, which also
   * refreshes its snapshot. `brake` runs first unless the key was known to this isolate as real.
   */
  async key(tenant: string, id: string, hash: string, brake: Brake): Promise<KeyRecord | undefined> {
    const cacheKey = `${tenant}.${id}`;
    // Refreshing a key this isolate knew as real is not a lookup of a made-up one: no brake.
    const knownReal = (this.keys.last(cacheKey) ?? null) !== null;
    const record = await this.keys.get(
      cacheKey,
      async () => {
        if (!knownReal) await brake();
        const sentAt = this.now();
        const answer = await this.reads.useKey(tenant, id, hash);
        this.snapshots.set(tenant, answer.snapshot, sentAt, FRESH_MS);
        return answer.key ?? null;
      },
      (r) => (r === null ? UNKNOWN_KEY_MS : FRESH_MS),
    );
    return record ?? undefined;
  }

  /**
   * The key `tenant` registered under `kid`, ready to verify with. A kid the snapshot lacks asks
   * the tenant again (which re-fetches its jwksUrls at most once a minute) unless the snapshot is
   * under UNKNOWN_KID_RECHECK_MS old: a key registered a moment ago verifies within a second.
   */
  async signingKey(tenant: string, kid: string, brake: Brake): Promise<VerificationKey | undefined> {
    const found = (await this.snapshot(tenant, brake)).signingKeys.find((k) => k.kid === kid);
    if (found !== undefined) return this.importOnce(found);
    const live = this.snapshots.peek(tenant);
    if (live !== undefined && live.ageMs < UNKNOWN_KID_RECHECK_MS) return undefined;
    const again = await this.snapshots.reload(
      tenant,
      () => this.readSnapshot(tenant, true, brake),
      () => FRESH_MS,
    );
    const fresh = again.signingKeys.find((k) => k.kid === kid);
    return fresh === undefined ? undefined : this.importOnce(fresh);
  }

  /** Whether the key with this thumbprint is still registered (a cached token names the key that verified it). */
  async holds(tenant: string, fingerprint: string): Promise<boolean> {
    return (await this.snapshot(tenant)).signingKeys.some((k) => k.fingerprint === fingerprint);
  }

  /** Reads the tenant's snapshot; `brake` runs first unless this isolate has read this tenant before. */
  private async readSnapshot(tenant: string, unknownKid: boolean, brake: Brake | undefined): Promise<TenantSnapshot> {
    if (this.snapshots.last(tenant) === undefined) await brake?.();
    return this.reads.snapshot(tenant, unknownKid);
  }

  /** Keys are imported once per isolate, whichever snapshot carried them. */
  private importOnce(k: SigningKey): Promise<VerificationKey> {
    const alg = algOf(k.jwk) ?? "";
    return this.imported.get(
      `${k.fingerprint}:${alg}`,
      async () => ({ key: await importJWK(k.jwk, alg), alg, fingerprint: k.fingerprint }),
      () => Number.POSITIVE_INFINITY,
    );
  }
}
