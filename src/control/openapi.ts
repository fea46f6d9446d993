// The operator API's routes in the OpenAPI document, in the style of src/openapi/routes.ts (which
// appends them to its table).
import type { RouteDoc } from "../openapi/routes.ts";
import type { ErrorCode } from "../wire.ts";
import { auditQuerySchema, listQuerySchema } from "./protocol.ts";

const OPERATOR_ERRORS: ErrorCode[] = [
  "missing_token",
  "invalid_api_key",
  "revoked_api_key",
  "forbidden",
  "rate_limited",
];
const BODY_ERRORS: ErrorCode[] = ["invalid_json", "invalid_body", "payload_too_large"];

const TENANT = { name: "tenant", description: "tenant id: 1-64 of a-z 0-9 _ -", pattern: "^[a-z0-9_-]{1,64}$" };
const KEY_ID = { name: "id", description: "API key id: 1-32 letters and digits", pattern: "^[A-Za-z0-9]{1,32}$" };
const KID = {
  name: "kid",
  description: "a registered JWK's kid, or a jwksUrl entry's id (`jwks_…`)",
  pattern: "^[A-Za-z0-9_.:=+-]{1,128}$",
};

const AT = "2026-12-01T10:00:00.000Z";
const TENANT_EXAMPLE = {
  id: "acme",
  status: "active",
  limits: { publishPerSecond: 50 },
  effectiveLimits: {
    maxConnections: null,
    maxRoomConnections: 10_000,
    publishPerSecond: 50,
    maxPayloadBytes: 65_536,
    historyMaxAgeSeconds: 600,
  },
  allowedOrigins: ["https://app.acme.example"],
  createdAt: AT,
  updatedAt: AT,
};
const KEY_EXAMPLE = {
  id: "kQ3v9XbT2mLp8RzW4cYdN",
  tenant: "acme",
  scopes: ["publish"],
  name: "billing backend",
  createdAt: AT,
  expiresAt: null,
  lastUsedAt: "2026-12-01T10:31:00.000Z",
  revokedAt: null,
};
const JWK_EXAMPLE = {
  kty: "EC",
  crv: "P-256",
  kid: "acme-2026",
  x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
  y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
};
const SIGNING_EXAMPLE = {
  kid: "acme-2026",
  source: "jwk",
  jwk: JWK_EXAMPLE,
  keys: [{ kid: "acme-2026", kty: "EC", alg: null }],
  createdAt: AT,
  fetchedAt: null,
};

type Op = Omit<RouteDoc, "tag" | "auth" | "path" | "pathParams"> & { path: string };
const op = (o: Op, params: RouteDoc["pathParams"] = []): RouteDoc => ({
  ...o,
  path: `/v1/operator${o.path}`,
  tag: "operator",
  auth: { operator: true },
  pathParams: params,
});

export const OPERATOR_ROUTES: RouteDoc[] = [
  op({
    method: "post",
    path: "/tenants",
    operationId: "createTenant",
    summary: "Create a tenant (active, with its limits and browser origins)",
    body: {
      schema: "CreateTenant",
      example: { id: "acme", limits: { publishPerSecond: 50 }, allowedOrigins: ["https://app.acme.example"] },
    },
    success: { status: "201", description: "Created", schema: "Tenant", example: TENANT_EXAMPLE },
    errors: [...OPERATOR_ERRORS, ...BODY_ERRORS, "conflict"],
  }),
  op({
    method: "get",
    path: "/tenants",
    operationId: "listTenants",
    summary: "List tenants by id, a page at a time",
    query: listQuerySchema,
    success: {
      status: "200",
      description: "A page of tenants",
      schema: "TenantList",
      example: { tenants: [{ id: "acme", status: "active", createdAt: AT, updatedAt: AT }], next: "acme" },
    },
    errors: [...OPERATOR_ERRORS, "invalid_query"],
  }),
  op(
    {
      method: "get",
      path: "/tenants/{tenant}",
      operationId: "getTenant",
      summary: "Read a tenant",
      success: { status: "200", description: "The tenant", schema: "Tenant", example: TENANT_EXAMPLE },
      errors: [...OPERATOR_ERRORS, "invalid_id", "not_found"],
    },
    [TENANT],
  ),
  op(
    {
      method: "patch",
      path: "/tenants/{tenant}",
      operationId: "updateTenant",
      summary: "Suspend or resume a tenant, change its limits or origins",
      description:
        "`status` suspends (its credentials are refused with 403 tenant_suspended) or resumes. A limit set to null " +
        "returns to the default; `allowedOrigins: null` returns to ALLOWED_ORIGINS. In force everywhere within 5 s.",
      body: { schema: "UpdateTenant", example: { status: "suspended" } },
      success: {
        status: "200",
        description: "The tenant as changed",
        schema: "Tenant",
        example: { ...TENANT_EXAMPLE, status: "suspended" },
      },
      errors: [...OPERATOR_ERRORS, ...BODY_ERRORS, "invalid_id", "not_found"],
    },
    [TENANT],
  ),
  op(
    {
      method: "delete",
      path: "/tenants/{tenant}",
      operationId: "deleteTenant",
      summary: "Delete a tenant: its keys and signing keys at once, its credentials refused within 5 s",
      success: {
        status: "200",
        description: "The tenant, deleted",
        schema: "Tenant",
        example: { ...TENANT_EXAMPLE, status: "deleted" },
      },
      errors: [...OPERATOR_ERRORS, "invalid_id", "not_found"],
    },
    [TENANT],
  ),
  op(
    {
      method: "post",
      path: "/tenants/{tenant}/api-keys",
      operationId: "createApiKey",
      summary: "Create an API key; the key is in this answer only",
      body: { schema: "CreateApiKey", example: { scopes: ["publish"], name: "billing backend" } },
      success: {
        status: "201",
        description: "The key (shown once) and its record",
        schema: "CreatedApiKey",
        example: { key: `bgw_acme.${KEY_EXAMPLE.id}_${"x".repeat(43)}`, record: { ...KEY_EXAMPLE, lastUsedAt: null } },
      },
      errors: [...OPERATOR_ERRORS, ...BODY_ERRORS, "invalid_id", "not_found"],
    },
    [TENANT],
  ),
  op(
    {
      method: "get",
      path: "/tenants/{tenant}/api-keys",
      operationId: "listApiKeys",
      summary: "List a tenant's API keys (records, never secrets)",
      query: listQuerySchema,
      success: {
        status: "200",
        description: "A page of key records",
        schema: "ApiKeyList",
        example: { keys: [KEY_EXAMPLE] },
      },
      errors: [...OPERATOR_ERRORS, "invalid_id", "invalid_query", "not_found"],
    },
    [TENANT],
  ),
  op(
    {
      method: "delete",
      path: "/tenants/{tenant}/api-keys/{id}",
      operationId: "revokeApiKey",
      summary: "Revoke an API key (refused everywhere within 5 s)",
      success: {
        status: "200",
        description: "The revoked key's record",
        schema: "ApiKeyRecord",
        example: { ...KEY_EXAMPLE, revokedAt: "2026-12-01T11:00:00.000Z" },
      },
      errors: [...OPERATOR_ERRORS, "invalid_id", "not_found"],
    },
    [TENANT, KEY_ID],
  ),
  op(
    {
      method: "post",
      path: "/tenants/{tenant}/signing-keys",
      operationId: "addSigningKey",
      summary: "Register a public JWK, or the tenant's JWKS URL, to verify its user tokens",
      description:
        "`jwk`: public members only. `jwksUrl`: https (loopback http only with DEV_ALLOW_LOOPBACK_HTTP), fetched now " +
        "(an unreachable URL or a document that is not a JWKS is refused), re-fetched at most once a minute when a " +
        "token names an unknown kid; the last good set is kept while the provider is down. Keys verify this tenant's tokens only.",
      body: { schema: "AddSigningKey", example: { jwk: JWK_EXAMPLE } },
      success: { status: "201", description: "Registered", schema: "SigningKey", example: SIGNING_EXAMPLE },
      errors: [...OPERATOR_ERRORS, ...BODY_ERRORS, "invalid_id", "not_found", "conflict"],
    },
    [TENANT],
  ),
  op(
    {
      method: "get",
      path: "/tenants/{tenant}/signing-keys",
      operationId: "listSigningKeys",
      summary: "List a tenant's signing keys and jwksUrls",
      success: {
        status: "200",
        description: "Every entry",
        schema: "SigningKeyList",
        example: { signingKeys: [SIGNING_EXAMPLE] },
      },
      errors: [...OPERATOR_ERRORS, "invalid_id", "not_found"],
    },
    [TENANT],
  ),
  op(
    {
      method: "delete",
      path: "/tenants/{tenant}/signing-keys/{kid}",
      operationId: "removeSigningKey",
      summary: "Remove a signing key or jwksUrl (its tokens refused everywhere within 5 s)",
      success: { status: "200", description: "The removed entry", schema: "SigningKey", example: SIGNING_EXAMPLE },
      errors: [...OPERATOR_ERRORS, "invalid_id", "not_found"],
    },
    [TENANT, KID],
  ),
  op({
    method: "get",
    path: "/audit",
    operationId: "audit",
    summary: "Operator actions, newest first (kept 90 days)",
    query: auditQuerySchema,
    success: {
      status: "200",
      description: "A page of entries",
      schema: "AuditPage",
      example: {
        entries: [
          {
            id: "42",
            at: AT,
            operator: "ops1",
            action: "api_key.revoke",
            tenant: "acme",
            target: KEY_EXAMPLE.id,
            details: null,
          },
        ],
        next: "42",
      },
    },
    errors: [...OPERATOR_ERRORS, "invalid_query"],
  }),
];
