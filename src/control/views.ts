// What the operator API answers: records as JSON, times as ISO 8601, never a key's hash or secret.
import type { z } from "zod";
import type { Config } from "../config.ts";
import type { ApiKeyRow, SigningEntry, TenantRecord } from "../protocol.ts";
import type { AuditEntry, TenantListing } from "./directory.ts";
import { effectiveLimits } from "./limits.ts";
import type {
  apiKeyRecordSchema,
  auditEntrySchema,
  signingKeySchema,
  tenantListSchema,
  tenantSchema,
} from "./openapi-schemas.ts";

// Each view's type is its documented schema's: the OpenAPI document cannot drift from the answers.
type Out<T extends z.ZodType> = z.infer<T>;

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export function tenantView(t: TenantRecord, config: Config): Out<typeof tenantSchema> {
  return {
    id: t.id,
    status: t.status,
    limits: t.limits,
    effectiveLimits: effectiveLimits(t.limits, config),
    allowedOrigins: t.allowedOrigins,
    createdAt: iso(t.createdAt),
    updatedAt: iso(t.updatedAt),
  };
}

export const listingView = (t: TenantListing): Out<typeof tenantListSchema>["tenants"][number] => ({
  id: t.id,
  status: t.status,
  createdAt: iso(t.createdAt),
  updatedAt: iso(t.updatedAt),
});

export const apiKeyView = (k: ApiKeyRow): Out<typeof apiKeyRecordSchema> => ({
  id: k.id,
  tenant: k.tenant,
  scopes: k.scopes,
  name: k.name,
  createdAt: iso(k.createdAt),
  expiresAt: isoOrNull(k.expiresAt),
  lastUsedAt: isoOrNull(k.lastUsedAt),
  revokedAt: isoOrNull(k.revokedAt),
});

/** A registered JWK shows itself (public material); a jwksUrl entry shows its URL and the kids of its last good set. */
export const signingView = (e: SigningEntry): Out<typeof signingKeySchema> => ({
  kid: e.id,
  source: e.jwksUrl === null ? ("jwk" as const) : ("jwksUrl" as const),
  ...(e.jwksUrl === null ? { jwk: e.keys[0]?.jwk } : { jwksUrl: e.jwksUrl }),
  keys: e.keys.map((k) => ({ kid: k.kid, kty: k.jwk.kty, alg: typeof k.jwk.alg === "string" ? k.jwk.alg : null })),
  createdAt: iso(e.createdAt),
  fetchedAt: isoOrNull(e.fetchedAt),
});

export const auditView = (a: AuditEntry): Out<typeof auditEntrySchema> => ({
  id: String(a.id),
  at: iso(a.at),
  operator: a.operator,
  action: a.action,
  tenant: a.tenant,
  target: a.target,
  details: a.details,
});
