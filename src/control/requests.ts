// Reading operator requests (path ids, bodies, pages) and finishing them (an object's outcome, the
// audit entry). Every refusal is a GatewayError, thrown before anything is written.
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import type { AppEnv } from "../env.ts";
import { GatewayError } from "../errors.ts";
import { log } from "../log.ts";
import type { Outcome } from "../protocol.ts";
import { sleep, withRetries } from "../retry.ts";
import type { PathParam } from "../routes/route.ts";
import { KEY_ID_PATTERN, KID_PATTERN, TENANT_PATTERN } from "../wire.ts";
import type { AuditInput, ListingChange } from "./directory.ts";
import { directory } from "./stubs.ts";

/** Operator bodies are small JSON documents (a JWK is the largest). */
export const limitOperatorBody = bodyLimit({
  maxSize: 64 * 1024,
  onError: () => {
    throw new GatewayError("payload_too_large", "body exceeds 65536 bytes");
  },
});

/** zod's issues keyed by their whole dotted path (`limits.publishPerSecond`), so the field is named. */
export function fieldDetails(error: z.core.$ZodError) {
  const formErrors: string[] = [];
  const fieldErrors: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const path = issue.path.map(String).join(".");
    if (path === "") formErrors.push(issue.message);
    else fieldErrors[path] = [...(fieldErrors[path] ?? []), issue.message];
  }
  return { formErrors, fieldErrors };
}

/** A path id checked against `pattern`; a malformed one is `invalid_id`, naming what it should be. */
const idParam = (pattern: RegExp, what: string): PathParam => ({
  schema: z.string().regex(pattern),
  description: what,
  invalid: () => new GatewayError("invalid_id", `${what} is malformed`),
});

export const tenantParam = idParam(TENANT_PATTERN, "tenant id (1-64 of a-z 0-9 _ -)");
export const keyIdParam = idParam(KEY_ID_PATTERN, "API key id (1-32 letters and digits)");
export const kidParam = idParam(
  KID_PATTERN,
  "kid (1-128 of A-Z a-z 0-9 _ . : = + -): a JWK's kid, or a jwksUrl entry's id",
);

/** A page cursor must look like what the list hands out; anything else is a bad query, not an empty page. */
export function cursorOf(cursor: string | undefined, pattern: RegExp): string | undefined {
  if (cursor !== undefined && !pattern.test(cursor)) throw new GatewayError("invalid_query", "cursor is not valid");
  return cursor;
}

/** The value of an object's outcome, or its refusal (404, 409) thrown. */
export function unwrap<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw new GatewayError(outcome.code, outcome.message);
  return outcome.value;
}

export type Action = Omit<AuditInput, "at" | "operator">;

/** Waits before the second and third write of an audit entry; a busy directory usually answers the retry. */
const AUDIT_RETRY_DELAYS_MS = [50, 250] as const;

/**
 * Audits an operator action that succeeded (and updates the tenant list in the same write). The
 * change is already made: if the directory cannot be reached after retries, the entry goes to the
 * log so it is not lost, and the operator gets a 500 to retry or check.
 */
export async function audit(c: Context<AppEnv>, action: Action, change?: ListingChange): Promise<void> {
  const entry: AuditInput = { ...action, at: Date.now(), operator: c.get("operator") };
  const outcome = await withRetries(() => directory(c.env).record(change, entry), AUDIT_RETRY_DELAYS_MS, sleep);
  if (outcome.ok) return;
  log("audit_write_failed", {
    ...entry,
    tenant: entry.tenant ?? undefined,
    target: entry.target ?? undefined,
    details: JSON.stringify(entry.details),
    error: String(outcome.error),
  });
  throw new GatewayError("internal", "the change was made but could not be recorded in the audit log");
}
