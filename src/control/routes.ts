// /v1/operator/*: the control plane's HTTP API, entries of the route table (src/routes/table.ts),
// each admitted by an operator key and limited per key before any object is reached.

import { auditQuerySchema } from "../protocol.ts";
import { operatorKey } from "../routes/access.ts";
import { defineRoute } from "../routes/route.ts";
import { DEFAULT_PAGE } from "../wire.ts";
import { API_KEY_ROUTES } from "./api-key-routes.ts";
import { AUDIT_EXAMPLE } from "./examples.ts";
import { AuditPage } from "./openapi-schemas.ts";
import { cursorOf } from "./requests.ts";
import { SIGNING_KEY_ROUTES } from "./signing-key-routes.ts";
import { directory } from "./stubs.ts";
import { TENANT_ROUTES } from "./tenant-routes.ts";
import { auditView } from "./views.ts";

const AUDIT_ROUTE = defineRoute({
  method: "get",
  path: "/v1/operator/audit",
  operationId: "audit",
  summary: "Operator actions, newest first (kept 90 days)",
  tag: "operator",
  action: "operator",
  access: operatorKey,
  params: {},
  query: auditQuerySchema,
  success: { status: "200", description: "A page of entries", body: AuditPage, example: AUDIT_EXAMPLE },
  errors: [],
  handle: async (c, { query }) => {
    const before = cursorOf(query.cursor, /^\d{1,15}$/);
    const limit = query.limit ?? DEFAULT_PAGE;
    const page = await directory(c.env).audit(query.tenant, before === undefined ? undefined : Number(before), limit);
    return c.json({ entries: page.items.map(auditView), ...(page.next === undefined ? {} : { next: page.next }) });
  },
});

export const OPERATOR_ROUTES = [...TENANT_ROUTES, ...API_KEY_ROUTES, ...SIGNING_KEY_ROUTES, AUDIT_ROUTE];
