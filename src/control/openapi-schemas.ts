// The operator API's bodies as the OpenAPI document names them. Answers are built by views.ts,
// whose return types are these schemas' types, so the document cannot drift from the answers.
import { z } from "zod";
import { addSigningKeySchema, createApiKeySchema, createTenantSchema, updateTenantSchema } from "../protocol.ts";
import { component } from "../routes/route.ts";
import { API_KEY_SCOPES, LIMIT_NAMES, type LimitName } from "../wire.ts";

const iso = z.string().meta({ description: "ISO 8601 time (UTC)" });
const status = z.enum(["active", "suspended", "deleted"]);
const intOrUnlimited = z.number().int().nullable().meta({ description: "null: unlimited" });

const ownLimits = z
  .object(
    Object.fromEntries(LIMIT_NAMES.map((n) => [n, z.number().int().optional()])) as Record<
      LimitName,
      z.ZodOptional<z.ZodNumber>
    >,
  )
  .meta({ description: "the limits this tenant sets; the others follow the gateway's defaults" });

export const tenantSchema = z.object({
  id: z.string(),
  status,
  limits: ownLimits,
  effectiveLimits: z
    .object({
      maxConnections: intOrUnlimited,
      maxRoomConnections: z.number().int(),
      publishPerSecond: intOrUnlimited,
      maxPayloadBytes: z.number().int(),
      historyMaxAgeSeconds: z.number().int(),
    })
    .meta({ description: "the limits in force: the tenant's own, else the gateway's defaults" }),
  allowedOrigins: z
    .array(z.string())
    .nullable()
    .meta({ description: "browser origins allowed to open this tenant's sockets; null: ALLOWED_ORIGINS applies" }),
  createdAt: iso,
  updatedAt: iso,
});

const listingSchema = z.object({ id: z.string(), status, createdAt: iso, updatedAt: iso });
const next = z.string().optional().meta({ description: "`cursor` of the next page; absent on the last page" });
export const tenantListSchema = z.object({ tenants: z.array(listingSchema), next });

export const apiKeyRecordSchema = z.object({
  id: z.string(),
  tenant: z.string(),
  scopes: z.array(z.enum(API_KEY_SCOPES)),
  name: z.string().nullable(),
  createdAt: iso,
  expiresAt: iso.nullable(),
  lastUsedAt: iso.nullable().meta({ description: "to the minute" }),
  revokedAt: iso.nullable(),
});
export const createdApiKeySchema = z.object({
  key: z.string().meta({ description: "`bgw_<tenant>.<id>_<secret>`: shown only in this answer" }),
  record: apiKeyRecordSchema,
});
export const apiKeyListSchema = z.object({ keys: z.array(apiKeyRecordSchema), next });

export const signingKeySchema = z.object({
  kid: z.string().meta({ description: "the JWK's kid, or the generated id of a jwksUrl entry" }),
  source: z.enum(["jwk", "jwksUrl"]),
  jwk: z.record(z.string(), z.unknown()).optional().meta({ description: "the public JWK (source jwk)" }),
  jwksUrl: z.string().optional(),
  keys: z.array(z.object({ kid: z.string(), kty: z.string(), alg: z.string().nullable() })),
  createdAt: iso,
  fetchedAt: iso.nullable().meta({ description: "when the jwksUrl last answered a good set" }),
});
export const signingKeyListSchema = z.object({ signingKeys: z.array(signingKeySchema) });

export const auditEntrySchema = z.object({
  id: z.string(),
  at: iso,
  operator: z.string().meta({ description: "the operator key id" }),
  action: z.string(),
  tenant: z.string().nullable(),
  target: z.string().nullable().meta({ description: "the API key id or kid acted on" }),
  details: z.record(z.string(), z.unknown()).nullable(),
});
export const auditPageSchema = z.object({ entries: z.array(auditEntrySchema), next });

// Named as the document's components: request bodies straight from protocol.ts (what the routes
// check), answers from the schemas above.
export const CreateTenant = component("CreateTenant", createTenantSchema);
export const UpdateTenant = component("UpdateTenant", updateTenantSchema);
export const CreateApiKey = component("CreateApiKey", createApiKeySchema);
export const AddSigningKey = component("AddSigningKey", addSigningKeySchema);
export const Tenant = component("Tenant", tenantSchema);
export const TenantList = component("TenantList", tenantListSchema);
export const ApiKeyRecord = component("ApiKeyRecord", apiKeyRecordSchema);
export const CreatedApiKey = component("CreatedApiKey", createdApiKeySchema);
export const ApiKeyList = component("ApiKeyList", apiKeyListSchema);
export const SigningKey = component("SigningKey", signingKeySchema);
export const SigningKeyList = component("SigningKeyList", signingKeyListSchema);
export const AuditPage = component("AuditPage", auditPageSchema);
