// /v1/operator/*: the control plane's HTTP API, for operator keys only, each call limited per
// operator key before any object is reached. Mounted by app.ts with one line.
import { Hono } from "hono";
import type { AppEnv } from "../env.ts";
import { validQuery } from "../routes/validate.ts";
import { keyRoutes } from "./key-routes.ts";
import { requireOperator } from "./operator-auth.ts";
import { auditQuerySchema, DEFAULT_PAGE } from "./protocol.ts";
import { cursorOf } from "./requests.ts";
import { directory } from "./stubs.ts";
import { tenantRoutes } from "./tenant-routes.ts";
import { auditView } from "./views.ts";

export const OPERATOR_PREFIX = "/v1/operator";

export const operatorRoutes = new Hono<AppEnv>();

operatorRoutes.use("*", requireOperator);
operatorRoutes.route("/", tenantRoutes);
operatorRoutes.route("/", keyRoutes);

operatorRoutes.get("/audit", validQuery(auditQuerySchema), async (c) => {
  const { tenant, cursor, limit } = c.req.valid("query");
  const before = cursorOf(cursor, /^\d{1,15}$/);
  const page = await directory(c.env).audit(
    tenant,
    before === undefined ? undefined : Number(before),
    limit ?? DEFAULT_PAGE,
  );
  return c.json({ entries: page.items.map(auditView), ...(page.next === undefined ? {} : { next: page.next }) });
});
