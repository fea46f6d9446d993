// The operator API's wire: zod schemas of what an operator sends to /v1/operator/*, and the types
// of what the control plane stores and answers. (Clients' and publishers' schemas are in
// src/protocol.ts.) Ids in paths are checked here too, so every route refuses the same way.
import { z } from "zod";
import { originSchema, publicJwkSchema } from "../config.ts";
import { tenantSchema } from "../protocol.ts";
import { API_KEY_SCOPES, type ApiKeyScope, type TenantStatus } from "../wire.ts";
import { type LimitOverrides, limitPatchSchema, limitsSchema } from "./limits.ts";

export const KEY_ID_PATTERN = /^[A-Za-z0-9]{1,32}$/;
/** A signing key's kid as the API addresses it in a path; a JWK whose kid does not fit is refused. */
export const KID_PATTERN = /^[A-Za-z0-9_.:=+-]{1,128}$/;
/** Most entries (JWKs and jwksUrls) one tenant may register: each is in every cached snapshot. */
export const MAX_SIGNING_ENTRIES = 20;
export const MAX_ALLOWED_ORIGINS = 100;
export const MAX_PAGE = 100;
export const DEFAULT_PAGE = 50;

export type { TenantStatus } from "../wire.ts";

const allowedOriginsSchema = z.array(originSchema).max(MAX_ALLOWED_ORIGINS);

/** `POST /v1/operator/tenants` */
export const createTenantSchema = z.strictObject({
  id: tenantSchema,
  limits: limitsSchema.optional(),
  allowedOrigins: allowedOriginsSchema.optional(),
});
export type CreateTenant = z.infer<typeof createTenantSchema>;

/** `PATCH /v1/operator/tenants/{tenant}`: `null` clears a limit or the tenant's own origin list. */
export const updateTenantSchema = z
  .strictObject({
    status: z.enum(["active", "suspended"]).optional(),
    limits: limitPatchSchema.optional(),
    allowedOrigins: allowedOriginsSchema.nullable().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, "give at least one of status, limits, allowedOrigins");
export type UpdateTenant = z.infer<typeof updateTenantSchema>;

/** ISO 8601 with a zone; `expiresAt` must be in the future (checked against the clock by the route). */
const isoInstant = z.iso.datetime({ offset: true }).transform((s) => Date.parse(s));

/** `POST /v1/operator/tenants/{tenant}/api-keys` */
export const createApiKeySchema = z.strictObject({
  scopes: z
    .array(z.enum(API_KEY_SCOPES))
    .min(1)
    .transform((s) => [...new Set(s)]),
  name: z.string().min(1).max(100).optional(),
  expiresAt: isoInstant.optional(),
});

/** A JWK registered through the API: public, usable for signatures, addressable by its kid. */
const apiJwkSchema = publicJwkSchema.refine((jwk) => KID_PATTERN.test(jwk.kid), {
  message: "kid must be 1-128 of A-Z a-z 0-9 _ . : = + -",
  path: ["kid"],
});

/**
 * `POST /v1/operator/tenants/{tenant}/signing-keys`: one public JWK, or the tenant's JWKS URL. Not a
 * union, so a refusal names the member at fault (`jwk.d`), not "invalid input".
 */
export const addSigningKeySchema = z
  .strictObject({ jwk: apiJwkSchema.optional(), jwksUrl: z.string().min(1).max(2048).optional() })
  .refine((b) => (b.jwk === undefined) !== (b.jwksUrl === undefined), "give exactly one of jwk or jwksUrl");
export type AddSigningKey = z.infer<typeof addSigningKeySchema>;

const pageLimit = z
  .string()
  .regex(/^\d{1,3}$/, `limit must be 1-${MAX_PAGE}`)
  .transform(Number)
  .pipe(z.number().int().min(1).max(MAX_PAGE))
  .optional();

export const listQuerySchema = z.object({ cursor: z.string().min(1).max(200).optional(), limit: pageLimit });
export const auditQuerySchema = listQuerySchema.extend({ tenant: tenantSchema.optional() });

/** A stored public JWK; `fingerprint` tells apart two keys that share a kid. */
export type Jwk = z.infer<typeof publicJwkSchema>;
export const signingKeySchema = z.object({ kid: z.string(), jwk: publicJwkSchema, fingerprint: z.string() });
export type SigningKey = z.infer<typeof signingKeySchema>;

/** What the hot path caches about a tenant: one read of its object. */
export type TenantSnapshot = {
  /** False when the tenant has no record: then it is active with the default limits. */
  managed: boolean;
  status: TenantStatus;
  limits: LimitOverrides;
  /** The tenant's own browser origins for connects; null means ALLOWED_ORIGINS applies. */
  allowedOrigins: string[] | null;
  /** Registered JWKs, then every jwksUrl's last good set. */
  signingKeys: SigningKey[];
  jwksUrls: number;
  /** When the record last changed (0: no record); absent from a tenant object older than it. */
  at?: number;
};

export type TenantRecord = {
  id: string;
  status: TenantStatus;
  limits: LimitOverrides;
  allowedOrigins: string[] | null;
  createdAt: number;
  updatedAt: number;
};

export type ApiKeyRow = {
  id: string;
  tenant: string;
  scopes: ApiKeyScope[];
  name: string | null;
  hash: string;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
};

export type SigningEntry = {
  /** A JWK's kid, or the generated id of a jwksUrl entry. */
  id: string;
  jwksUrl: string | null;
  keys: SigningKey[];
  createdAt: number;
  fetchedAt: number | null;
};

/** An answer from the tenant's object: a value, or a refusal the Worker turns into a GatewayError. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; code: "not_found" | "conflict"; message: string };
