// /v1/operator/tenants: create, list, read, change (limits, origins, suspend/resume) and delete.
// The tenant's own object holds its record; the directory lists it and keeps the audit entry.

import { listQuerySchema, type TenantRecord } from "../protocol.ts";
import { operatorKey } from "../routes/access.ts";
import { defineRoute } from "../routes/route.ts";
import { DEFAULT_PAGE, TENANT_PATTERN } from "../wire.ts";
import { TENANT_EXAMPLE, TENANT_LIST_EXAMPLE } from "./examples.ts";
import { CreateTenant, Tenant, TenantList, UpdateTenant } from "./openapi-schemas.ts";
import { audit, cursorOf, fieldDetails, limitOperatorBody, tenantParam, unwrap } from "./requests.ts";
import { directory, tenantControl } from "./stubs.ts";
import { listingView, tenantView } from "./views.ts";

const listing = (t: TenantRecord) => ({
  upsert: { id: t.id, status: t.status, createdAt: t.createdAt, updatedAt: t.updatedAt },
});

const ROUTE = { tag: "operator", action: "operator", access: operatorKey } as const;
const ONE_TENANT = { ...ROUTE, path: "/v1/operator/tenants/{tenant}", params: { tenant: tenantParam } } as const;

export const TENANT_ROUTES = [
  defineRoute({
    ...ROUTE,
    method: "post",
    path: "/v1/operator/tenants",
    operationId: "createTenant",
    summary: "Create a tenant (active, with its limits and browser origins)",
    params: {},
    body: {
      component: CreateTenant,
      example: { id: "acme", limits: { publishPerSecond: 50 }, allowedOrigins: ["https://app.acme.example"] },
      limit: limitOperatorBody,
      details: fieldDetails,
    },
    success: { status: "201", description: "Created", body: Tenant, example: TENANT_EXAMPLE },
    errors: ["conflict"],
    handle: async (c, { body }) => {
      const created = unwrap(await tenantControl(c.env, body.id).controlCreateTenant(body));
      const details = { limits: created.limits, allowedOrigins: created.allowedOrigins };
      await audit(c, { action: "tenant.create", tenant: created.id, target: null, details }, listing(created));
      return c.json(tenantView(created, c.get("config")), 201);
    },
  }),
  defineRoute({
    ...ROUTE,
    method: "get",
    path: "/v1/operator/tenants",
    operationId: "listTenants",
    summary: "List tenants by id, a page at a time",
    params: {},
    query: listQuerySchema,
    success: { status: "200", description: "A page of tenants", body: TenantList, example: TENANT_LIST_EXAMPLE },
    errors: [],
    handle: async (c, { query }) => {
      const after = cursorOf(query.cursor, TENANT_PATTERN) ?? "";
      const page = await directory(c.env).tenants(after, query.limit ?? DEFAULT_PAGE);
      return c.json({ tenants: page.items.map(listingView), ...(page.next === undefined ? {} : { next: page.next }) });
    },
  }),
  defineRoute({
    ...ONE_TENANT,
    method: "get",
    operationId: "getTenant",
    summary: "Read a tenant",
    success: { status: "200", description: "The tenant", body: Tenant, example: TENANT_EXAMPLE },
    errors: ["not_found"],
    handle: async (c, { params }) => {
      const tenant = unwrap(await tenantControl(c.env, params.tenant).controlGetTenant());
      return c.json(tenantView(tenant, c.get("config")));
    },
  }),
  defineRoute({
    ...ONE_TENANT,
    method: "patch",
    operationId: "updateTenant",
    summary: "Suspend or resume a tenant, change its limits or origins",
    description:
      "`status` suspends (its credentials are refused with 403 tenant_suspended) or resumes. A limit set to null " +
      "returns to the default; `allowedOrigins: null` returns to ALLOWED_ORIGINS. In force everywhere within 5 s.",
    body: {
      component: UpdateTenant,
      example: { status: "suspended" },
      limit: limitOperatorBody,
      details: fieldDetails,
    },
    success: {
      status: "200",
      description: "The tenant as changed",
      body: Tenant,
      example: { ...TENANT_EXAMPLE, status: "suspended" },
    },
    errors: ["not_found"],
    handle: async (c, { params, body }) => {
      const id = params.tenant;
      const before = unwrap(await tenantControl(c.env, id).controlGetTenant());
      const after = unwrap(await tenantControl(c.env, id).controlUpdateTenant(body));
      const statusChanged = body.status !== undefined && body.status !== before.status;
      const action = !statusChanged
        ? "tenant.update"
        : after.status === "suspended"
          ? "tenant.suspend"
          : "tenant.resume";
      const change = statusChanged ? listing(after) : undefined;
      await audit(c, { action, tenant: id, target: null, details: { ...body } }, change);
      return c.json(tenantView(after, c.get("config")));
    },
  }),
  defineRoute({
    ...ONE_TENANT,
    method: "delete",
    operationId: "deleteTenant",
    summary: "Delete a tenant: its keys and signing keys at once, its credentials refused within 5 s",
    success: {
      status: "200",
      description: "The tenant, deleted",
      body: Tenant,
      example: { ...TENANT_EXAMPLE, status: "deleted" },
    },
    errors: ["not_found"],
    handle: async (c, { params }) => {
      const deleted = unwrap(await tenantControl(c.env, params.tenant).controlDeleteTenant());
      await audit(
        c,
        { action: "tenant.delete", tenant: params.tenant, target: null, details: null },
        { remove: params.tenant },
      );
      return c.json(tenantView(deleted, c.get("config")));
    },
  }),
];
