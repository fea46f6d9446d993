// What the objects holding a tenant's sockets must know of the tenant: whether it may connect at
// all, and the limits a room enforces itself (sockets per room, a WebSocket frame's payload). The
// tenant's object answers it with every registration and pushes it to every registered object when
// an operator changes it, so a suspension closes open sockets and a lowered limit holds within one
// round of RPCs. Pure.
import { z } from "zod";
import type { Config } from "../config.ts";
import { type EffectiveLimits, effectiveLimits, type LimitOverrides, limitsSchema } from "./limits.ts";
import type { TenantSnapshot, TenantStatus } from "./protocol.ts";

export type TenantTerms = {
  status: TenantStatus;
  limits: LimitOverrides;
  /** When the record last changed (0: no record): of two answers, the later change wins. */
  at: number;
};

/** A tenant without a record (or a tenant object older than terms): active, with the global defaults. */
export const DEFAULT_TERMS: TenantTerms = Object.freeze({ status: "active", limits: {}, at: 0 }) as TenantTerms;

/**
 * Terms as one part of the gateway hands them to another (the Worker to a room, in the upgrade's
 * identity header): a limit this version does not know (a newer sender's) is dropped, not refused.
 */
export const termsSchema = z.object({
  status: z.enum(["active", "suspended", "deleted"]),
  limits: z.object(limitsSchema.shape),
  at: z.number(),
});

/**
 * The terms a Worker's cached snapshot holds, for the rooms it calls: a room that has not heard of a
 * change (no socket of the tenant, so no push) follows it from the next request. Undefined for a
 * tenant without a record (the defaults, which every room knows) or an older tenant object's snapshot.
 */
export const termsOfSnapshot = (s: TenantSnapshot): TenantTerms | undefined =>
  s.at === undefined || s.at === 0 ? undefined : { status: s.status, limits: s.limits, at: s.at };

/** The newer of two: a push and a registration answer can cross, and the older must not win. */
export const newerTerms = (held: TenantTerms, received: TenantTerms | undefined): TenantTerms =>
  received === undefined || received.at < held.at ? held : received;

/** The limits in force for `terms` (the tenant's own, else the gateway's). */
export const limitsOf = (terms: TenantTerms, config: Config): EffectiveLimits => effectiveLimits(terms.limits, config);

export const isOpen = (terms: TenantTerms): boolean => terms.status === "active";
