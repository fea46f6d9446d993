// The Workers rate-limit binding, keyed by stable identity, plus per-IP brakes on connects and on
// failed authentications.
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { Principal } from "../auth/principal.ts";
import type { AppEnv, Env } from "../env.ts";
import { errorResponse, GatewayError } from "../errors.ts";
import { FailingIps } from "./failing-ips.ts";

export type LimiterName =
  | "PUBLISH_LIMITER"
  | "CONNECT_LIMITER"
  | "API_LIMITER"
  | "CONNECT_IP_LIMITER"
  | "AUTH_FAIL_IP_LIMITER";

/** The bindings' window (wrangler.toml `period`): the longest a client may need to wait. */
const RETRY_AFTER_SECONDS = 10;

/** `publish:api_key:<tenant>:<id>`, `connect:user:<tenant>:<sub>`, … */
export function limitKey(action: string, p: Principal): string {
  return `${action}:${p.kind}:${p.tenant}:${p.id}`;
}

const limited = (action: string) =>
  new GatewayError("rate_limited", `too many ${action} requests`, undefined, RETRY_AFTER_SECONDS);

/** Takes `units` from `key`'s budget: one binding call per unit (the binding takes one a call), in parallel. */
export async function enforce(limiter: Env[LimiterName], key: string, action: string, units = 1): Promise<void> {
  const answers = await Promise.all(Array.from({ length: units }, () => limiter.limit({ key })));
  if (answers.some((a) => !a.success)) throw limited(action);
}

/** Limits the route's action (see `action`) per credential. */
export const rateLimit = (binding: LimiterName) =>
  createMiddleware<AppEnv>(async (c, next) => {
    await enforce(c.env[binding], limitKey(c.get("action"), c.get("principal")), c.get("action"));
    await next();
  });

/**
 * Takes `units` more from the route's limiter for its credential, after `rateLimit` took the first:
 * a batch of N messages counts as N publishes.
 */
export async function takeMore(c: Context<AppEnv>, binding: LimiterName, units: number): Promise<void> {
  await enforce(c.env[binding], limitKey(c.get("action"), c.get("principal")), c.get("action"), units);
}

/**
 * Cloudflare always sets CF-Connecting-IP; only local test harnesses lack it, and there every
 * client is the same loopback address anyway, so the per-IP brakes stand aside.
 */
const clientIp = (headers: Headers): string | undefined => headers.get("cf-connecting-ip") ?? undefined;

/**
 * Connect attempts per client IP, before any token work: `requireUser` calls it before verifying a
 * token in full. A token this isolate has verified already skips it (its connect costs no crypto)
 * and still meets the per-identity CONNECT_LIMITER.
 */
export async function connectIpBrake(c: Context<AppEnv>): Promise<void> {
  const ip = clientIp(c.req.raw.headers);
  if (ip !== undefined) await enforce(c.env.CONNECT_IP_LIMITER, `connect-ip:${ip}`, "connect");
}

/**
 * A lookup costs this many units of the failure limiter's budget (60 per 10 s): 20 per window.
 * Each made-up key is also a failure, so the lookup brake must trip well before the failure brake,
 * which would refuse every request from the address, its valid keys too; at a third of the budget
 * it does, even when the two windows are not aligned (at most 40 failures in any window).
 */
const LOOKUP_UNITS = 3;

/**
 * Reads of control-plane storage that unverified input asked for (an API key or signing key no
 * cache knows) count per client IP in the failed-authentication namespace, under their own key, so
 * a flood of made-up keys is refused before it becomes a flood of object reads.
 */
export async function lookupIpBrake(c: Context<AppEnv>): Promise<void> {
  const ip = clientIp(c.req.raw.headers);
  if (ip !== undefined) await enforce(c.env.AUTH_FAIL_IP_LIMITER, `lookup:${ip}`, "unknown-key", LOOKUP_UNITS);
}

/**
 * Refusals that count against a client IP: every refused credential (401, wherever it was decided:
 * the Worker, or a room that found the token revoked), and every malformed upgrade (400), which
 * costs the Worker its parsing before any identity can be limited.
 */
const countsAsFailure = (c: Context<AppEnv>): boolean =>
  c.res.status === 401 || (c.res.status === 400 && c.req.header("upgrade")?.toLowerCase() === "websocket");

/** Addresses over their failure limit, in this isolate; bounded so a spray of addresses cannot grow it. */
const failingIps = new FailingIps(10_000, RETRY_AFTER_SECONDS * 1000);

const overFailureLimit = (retryAfter: number) =>
  new GatewayError("rate_limited", "too many failed authentications from this address", undefined, retryAfter);

/**
 * Every failure (see `countsAsFailure`) counts against its client IP; past the limit the answer
 * becomes 429 and the address is refused up front for the rest of the window (`refuseFailingIp`).
 * Valid requests draw nothing, so a shared address is only slowed by its own failures.
 */
export const authFailIpLimit = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  const ip = clientIp(c.req.raw.headers);
  if (ip === undefined || !countsAsFailure(c)) return;
  const { success } = await c.env.AUTH_FAIL_IP_LIMITER.limit({ key: `auth-fail:${ip}` });
  if (success) return;
  failingIps.block(ip, Date.now());
  const error = overFailureLimit(RETRY_AFTER_SECONDS);
  c.error = error;
  c.res = errorResponse(error);
});

/** Refuses an address over its failure limit before any token, key or query work on its request. */
export const refuseFailingIp = createMiddleware<AppEnv>(async (c, next) => {
  const ip = clientIp(c.req.raw.headers);
  const retryAfter = ip === undefined ? 0 : failingIps.retryAfter(ip, Date.now());
  if (retryAfter > 0) throw overFailureLimit(retryAfter);
  await next();
});
