// Per-tenant limits: what an operator may set, the ranges they must fall in, and the values in force
// (the tenant's own, else the gateway's global default). Pure.
import { z } from "zod";
import type { Config } from "../config.ts";

/** Each limit's range; an unset limit takes the default in `effectiveLimits`. */
export const LIMIT_RANGES = {
  /** Sockets across every room and shard of the tenant; no default (unlimited). */
  maxConnections: { min: 1, max: 10_000_000 },
  /** Sockets in one room; default MAX_CONNECTIONS_PER_ROOM. */
  maxRoomConnections: { min: 1, max: 32_768 * 64 },
  /** Publishes a second across the tenant (HTTP and WebSocket), on top of each publisher's own limit; no default. */
  publishPerSecond: { min: 1, max: 100_000 },
  /** One message's payload; default MAX_PAYLOAD_BYTES. */
  maxPayloadBytes: { min: 1, max: 1_000_000 },
  /** How long rooms keep messages for resume and history; default HISTORY_MAX_AGE_SECONDS. */
  historyMaxAgeSeconds: { min: 0, max: 7 * 24 * 3_600 },
} as const;

export type LimitName = keyof typeof LIMIT_RANGES;
export const LIMIT_NAMES = Object.keys(LIMIT_RANGES) as LimitName[];
/** The limits a tenant's record sets; the others follow the gateway's defaults. */
export type LimitOverrides = Partial<Record<LimitName, number>>;

const limitValue = (name: LimitName) => z.number().int().min(LIMIT_RANGES[name].min).max(LIMIT_RANGES[name].max);

const shape = <V extends z.ZodType>(value: (name: LimitName) => V) =>
  Object.fromEntries(LIMIT_NAMES.map((n) => [n, value(n).optional()])) as Record<LimitName, z.ZodOptional<V>>;

/** Limits given when a tenant is created. */
export const limitsSchema = z.strictObject(shape(limitValue));
/** Limits changed by a PATCH: a number sets one, `null` returns it to the default. */
export const limitPatchSchema = z.strictObject(shape((n) => limitValue(n).nullable()));
export type LimitPatch = z.infer<typeof limitPatchSchema>;

/** The limits in force; `null` is unlimited. */
export type EffectiveLimits = {
  maxConnections: number | null;
  maxRoomConnections: number;
  publishPerSecond: number | null;
  maxPayloadBytes: number;
  historyMaxAgeSeconds: number;
};

export function effectiveLimits(own: LimitOverrides, config: Config): EffectiveLimits {
  return {
    maxConnections: own.maxConnections ?? null,
    maxRoomConnections: own.maxRoomConnections ?? config.maxConnectionsPerRoom,
    publishPerSecond: own.publishPerSecond ?? null,
    maxPayloadBytes: own.maxPayloadBytes ?? config.maxPayloadBytes,
    historyMaxAgeSeconds: own.historyMaxAgeSeconds ?? Math.floor(config.historyMaxAgeMs / 1000),
  };
}

export function patchLimits(own: LimitOverrides, patch: LimitPatch): LimitOverrides {
  const next: LimitOverrides = { ...own };
  for (const name of LIMIT_NAMES) {
    const value = patch[name];
    if (value === null) delete next[name];
    else if (value !== undefined) next[name] = value;
  }
  return next;
}
