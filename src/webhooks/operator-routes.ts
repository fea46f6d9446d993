// /v1/operator/tenants/{tenant}/webhooks: an operator manages any tenant's endpoints with the very
// routes a tenant's admin key has (routes.ts), for a tenant the control plane knows (404 otherwise,
// like every operator route), each change written to the operator audit.
import { audit, tenantParam, unwrap } from "../control/requests.ts";
import { tenantControl } from "../control/stubs.ts";
import { operatorKey } from "../routes/access.ts";
import { webhookRoutes } from "./routes.ts";

export const OPERATOR_WEBHOOK_ROUTES = webhookRoutes({
  base: "/v1/operator/tenants/{tenant}/webhooks",
  params: { tenant: tenantParam },
  access: operatorKey,
  tag: "operator",
  action: "operator",
  operationSuffix: "OfTenant",
  tenantOf: async (c) => {
    const tenant = c.req.param("tenant") ?? "";
    unwrap(await tenantControl(c.env, tenant).controlGetTenant());
    return tenant;
  },
  tenantErrors: ["not_found"],
  record: (c, change) => audit(c, change),
});
