// What the objects holding a tenant's sockets must know of the tenant: whether it may connect at
// all, and the limits a room enforces itself (sockets per room, a WebSocket frame's payload). The
// tenant's object answers it with every registration and pushes it to every registered object when
// an operator changes it, so a suspension closes open sockets and a lowered limit holds within one
// round of RPCs. Pure.
import type { Config } from "../config.ts";
import type { LimitOverrides, TenantStatus } from "../wire.ts";
import { type EffectiveLimits, effectiveLimits } from "./limits.ts";

export type TenantTerms = {
  status: TenantStatus;
  limits: LimitOverrides;
  /** When the record last changed (0: no record): of two answers, the later change wins. */
  at: number;
};

/** A tenant without a record (or a tenant object older than terms): active, with the global defaults. */
export const DEFAULT_TERMS: TenantTerms = Object.freeze({ status: "active", limits: {}, at: 0 }) as TenantTerms;

/** The newer of two: a push and a registration answer can cross, and the older must not win. */
export const newerTerms = (held: TenantTerms, received: TenantTerms | undefined): TenantTerms =>
  received === undefined || received.at < held.at ? held : received;

/** The limits in force for `terms` (the tenant's own, else the gateway's). */
export const limitsOf = (terms: TenantTerms, config: Config): EffectiveLimits => effectiveLimits(terms.limits, config);

export const isOpen = (terms: TenantTerms): boolean => terms.status === "active";

/** What a verified request's tenant may do: read with `c.get("tenant")` (set by hot-path.ts). */
export type TenantPolicy = {
  limits: EffectiveLimits;
  /** The tenant's terms as the Worker's snapshot holds them, handed to the rooms a request calls. */
  terms: TenantTerms | undefined;
  /** The tenant's own browser origins; null: ALLOWED_ORIGINS applies. */
  allowedOrigins: readonly string[] | null;
};
