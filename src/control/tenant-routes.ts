// /v1/operator/tenants: create, list, read, change (limits, origins, suspend/resume) and delete.
// The tenant's own object holds its record; the directory lists it and keeps the audit entry.
import { Hono } from "hono";
import type { AppEnv } from "../env.ts";
import { validJson, validQuery } from "../routes/validate.ts";
import { TENANT_PATTERN } from "../wire.ts";
import {
  createTenantSchema,
  DEFAULT_PAGE,
  listQuerySchema,
  type TenantRecord,
  updateTenantSchema,
} from "./protocol.ts";
import { audit, cursorOf, fieldDetails, limitOperatorBody, tenantParam, unwrap } from "./requests.ts";
import { directory, tenantControl } from "./stubs.ts";
import { listingView, tenantView } from "./views.ts";

const listing = (t: TenantRecord) => ({
  upsert: { id: t.id, status: t.status, createdAt: t.createdAt, updatedAt: t.updatedAt },
});

export const tenantRoutes = new Hono<AppEnv>();

tenantRoutes.post("/tenants", limitOperatorBody, validJson(createTenantSchema, fieldDetails), async (c) => {
  const input = c.req.valid("json");
  const created = unwrap(await tenantControl(c.env, input.id).controlCreateTenant(input));
  await audit(
    c,
    {
      action: "tenant.create",
      tenant: created.id,
      target: null,
      details: { limits: created.limits, allowedOrigins: created.allowedOrigins },
    },
    listing(created),
  );
  return c.json(tenantView(created, c.get("config")), 201);
});

tenantRoutes.get("/tenants", validQuery(listQuerySchema), async (c) => {
  const { cursor, limit } = c.req.valid("query");
  const page = await directory(c.env).tenants(cursorOf(cursor, TENANT_PATTERN) ?? "", limit ?? DEFAULT_PAGE);
  return c.json({ tenants: page.items.map(listingView), ...(page.next === undefined ? {} : { next: page.next }) });
});

tenantRoutes.get("/tenants/:tenant", async (c) => {
  const tenant = unwrap(await tenantControl(c.env, tenantParam(c)).controlGetTenant());
  return c.json(tenantView(tenant, c.get("config")));
});

tenantRoutes.patch("/tenants/:tenant", limitOperatorBody, validJson(updateTenantSchema, fieldDetails), async (c) => {
  const id = tenantParam(c);
  const patch = c.req.valid("json");
  const before = unwrap(await tenantControl(c.env, id).controlGetTenant());
  const after = unwrap(await tenantControl(c.env, id).controlUpdateTenant(patch));
  const statusChanged = patch.status !== undefined && patch.status !== before.status;
  const action = !statusChanged ? "tenant.update" : after.status === "suspended" ? "tenant.suspend" : "tenant.resume";
  await audit(
    c,
    { action, tenant: id, target: null, details: { ...patch } },
    statusChanged ? listing(after) : undefined,
  );
  return c.json(tenantView(after, c.get("config")));
});

tenantRoutes.delete("/tenants/:tenant", async (c) => {
  const id = tenantParam(c);
  const deleted = unwrap(await tenantControl(c.env, id).controlDeleteTenant());
  await audit(c, { action: "tenant.delete", tenant: id, target: null, details: null }, { remove: id });
  return c.json(tenantView(deleted, c.get("config")));
});
