// /v1/operator/tenants/{tenant}/api-keys: a new API key is shown once, in the 201; its tenant's
// object keeps only the hash.
import { formatTenantApiKey } from "../auth/api-key-format.ts";
import { GatewayError } from "../errors.ts";
import { listQuerySchema } from "../protocol.ts";
import { operatorKey } from "../routes/access.ts";
import { defineRoute } from "../routes/route.ts";
import { sha256Hex } from "../sha256.ts";
import { DEFAULT_PAGE, KEY_ID_PATTERN } from "../wire.ts";
import { CREATED_KEY_EXAMPLE, KEY_EXAMPLE } from "./examples.ts";
import { ApiKeyList, ApiKeyRecord, CreateApiKey, CreatedApiKey } from "./openapi-schemas.ts";
import { audit, cursorOf, fieldDetails, keyIdParam, limitOperatorBody, tenantParam, unwrap } from "./requests.ts";
import { randomAlphanumeric, randomSecret } from "./secrets.ts";
import { tenantControl } from "./stubs.ts";
import { apiKeyView } from "./views.ts";

const ROUTE = { tag: "operator", action: "operator", access: operatorKey } as const;
const KEYS = { ...ROUTE, path: "/v1/operator/tenants/{tenant}/api-keys", params: { tenant: tenantParam } } as const;

const inThePast = () =>
  new GatewayError("invalid_body", "expiresAt must be in the future", {
    formErrors: [],
    fieldErrors: { expiresAt: ["must be in the future"] },
  });

export const API_KEY_ROUTES = [
  defineRoute({
    ...KEYS,
    method: "post",
    operationId: "createApiKey",
    summary: "Create an API key; the key is in this answer only",
    body: {
      component: CreateApiKey,
      example: { scopes: ["publish"], name: "billing backend" },
      limit: limitOperatorBody,
      details: fieldDetails,
    },
    success: {
      status: "201",
      description: "The key (shown once) and its record",
      body: CreatedApiKey,
      example: CREATED_KEY_EXAMPLE,
    },
    errors: ["not_found"],
    handle: async (c, { params, body }) => {
      const { tenant } = params;
      const { scopes, name, expiresAt } = body;
      if (expiresAt !== undefined && expiresAt <= Date.now()) throw inThePast();
      const id = `k${randomAlphanumeric(20)}`;
      const key = formatTenantApiKey(tenant, id, randomSecret());
      const row = { id, hash: await sha256Hex(key), scopes, name: name ?? null, expiresAt: expiresAt ?? null };
      const created = unwrap(await tenantControl(c.env, tenant).controlCreateKey(row));
      const details = { scopes, name: created.name, expiresAt: created.expiresAt };
      await audit(c, { action: "api_key.create", tenant, target: id, details });
      return c.json({ key, record: apiKeyView(created) }, 201);
    },
  }),
  defineRoute({
    ...KEYS,
    method: "get",
    operationId: "listApiKeys",
    summary: "List a tenant's API keys (records, never secrets)",
    query: listQuerySchema,
    success: {
      status: "200",
      description: "A page of key records",
      body: ApiKeyList,
      example: { keys: [KEY_EXAMPLE] },
    },
    errors: ["not_found"],
    handle: async (c, { params, query }) => {
      const after = cursorOf(query.cursor, KEY_ID_PATTERN) ?? "";
      const page = unwrap(
        await tenantControl(c.env, params.tenant).controlListKeys(after, query.limit ?? DEFAULT_PAGE),
      );
      return c.json({ keys: page.items.map(apiKeyView), ...(page.next === undefined ? {} : { next: page.next }) });
    },
  }),
  defineRoute({
    ...ROUTE,
    method: "delete",
    path: "/v1/operator/tenants/{tenant}/api-keys/{id}",
    operationId: "revokeApiKey",
    summary: "Revoke an API key (refused everywhere within 5 s)",
    params: { tenant: tenantParam, id: keyIdParam },
    success: {
      status: "200",
      description: "The revoked key's record",
      body: ApiKeyRecord,
      example: { ...KEY_EXAMPLE, revokedAt: "2026-12-01T11:00:00.000Z" },
    },
    errors: ["not_found"],
    handle: async (c, { params }) => {
      const { tenant, id } = params;
      const revoked = unwrap(await tenantControl(c.env, tenant).controlRevokeKey(id));
      await audit(c, { action: "api_key.revoke", tenant, target: id, details: null });
      return c.json(apiKeyView(revoked));
    },
  }),
];
