// A tenant's whole publish rate (limits.publishPerSecond) with a rate-limit binding whose limit is
// fixed in wrangler.toml: TENANT_PUBLISH_LIMITER allows 10 per 10 s per key, so one key is a slot
// worth one publish a second, and a tenant with rate R owns R slots (keys `…:<tenant>:0..R-1`).
// Each publish takes a unit from the next slot in turn, trying up to two more when that one is
// full. No object is called: the limit comes with the tenant's cached snapshot (HTTP publishes, in
// the Worker) or the tenant's terms the room holds (a socket's publish frames, in the room object;
// src/room/sockets/tenant-rate.ts), and both take from the same slots: one budget per tenant.
//
// How exact: locally (one isolate, windows aligned to the wall clock) a tenant gets exactly 10·R
// publishes per 10-second window. In production the binding counts per Cloudflare location and is
// eventually consistent, like every binding limit here; isolates take turns from different offsets,
// and the retries absorb most of the unevenness that leaves, so a tenant may run somewhat under R
// when its traffic is spread over many isolates, and over it only by the binding's own slack.
import type { Context } from "hono";
import type { AppEnv } from "../env.ts";
import { GatewayError } from "../errors.ts";

/** What one key of TENANT_PUBLISH_LIMITER is worth; tied to its `limit = 10, period = 10`. */
export const SLOT_PER_SECOND = 1;
const WINDOW_SECONDS = 10;
/** Slots tried after a full one before a publish is refused. */
const EXTRA_TRIES = 2;

/** Where this isolate's turn is; each isolate starts somewhere else, so isolates do not crowd slot 0. */
let turn = Math.floor(Math.random() * 2 ** 30);

/** The slot keys one publish tries, in order: the turn's slot, then the next ones. */
export function slotKeys(tenant: string, perSecond: number, at: number): string[] {
  const slots = Math.max(1, Math.ceil(perSecond / SLOT_PER_SECOND));
  const tries = Math.min(slots, 1 + EXTRA_TRIES);
  return Array.from({ length: tries }, (_, i) => `tenant-publish:${tenant}:${(at + i) % slots}`);
}

/** Takes `units` publishes from the tenant's budget; false when any of them did not fit. */
export async function takeTenantBudget(
  limiter: RateLimit,
  tenant: string,
  perSecond: number,
  units: number,
): Promise<boolean> {
  const takeOne = async (at: number) => {
    for (const key of slotKeys(tenant, perSecond, at)) if ((await limiter.limit({ key })).success) return true;
    return false;
  };
  const answers = await Promise.all(Array.from({ length: units }, () => takeOne(turn++)));
  return answers.every(Boolean);
}

/**
 * Takes `units` publishes from a tenant's publishPerSecond, or refuses them (`rate_limited`, retry
 * after the binding's window). A tenant without the limit costs no binding call.
 */
export async function chargeTenantPublishes(
  limiter: RateLimit,
  tenant: string,
  perSecond: number | null,
  units: number,
): Promise<void> {
  if (perSecond === null) return;
  if (!(await takeTenantBudget(limiter, tenant, perSecond, units)))
    throw new GatewayError("rate_limited", "the tenant's publish rate is exhausted", undefined, WINDOW_SECONDS);
}

/** The request's publishes (1, or a batch's length) against its tenant's publishPerSecond, if it has one. */
export function takeTenantPublishes(c: Context<AppEnv>, units: number): Promise<void> {
  const perSecond = c.get("tenant").limits.publishPerSecond;
  return chargeTenantPublishes(c.env.TENANT_PUBLISH_LIMITER, c.get("principal").tenant, perSecond, units);
}
