// Per-tenant limits in force: the tenant's own, else the gateway's global default. Pure. (What an
// operator may set and the ranges are wire: src/wire.ts and src/protocol.ts.)
import type { Config } from "../config.ts";
import type { LimitPatch } from "../protocol.ts";
import { LIMIT_NAMES, type LimitOverrides } from "../wire.ts";

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
