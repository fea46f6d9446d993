// The webhook endpoint routes as route-table entries (src/routes/table.ts), built for a scope: a
// tenant's admin key on its own endpoints (`/v1/admin/webhooks`), or an operator naming the tenant
// in the path (operator-routes.ts). One implementation: a scope says only whose endpoints a
// request manages and what is recorded of each change.
import type { Context } from "hono";
import type { AppEnv } from "../env.ts";
import { credential } from "../routes/access.ts";
import { defineRoute, type Route } from "../routes/route.ts";
import type { ErrorCode } from "../wire.ts";
import { changedFields } from "./audit-details.ts";
import {
  ENDPOINT_EXAMPLE as example,
  SECRET_EXAMPLE as secret,
  WebhookCreateBody,
  WebhookEndpoint,
  WebhookEndpointList,
  WebhookEndpointWithSecret,
  WebhookFailures,
  WebhookPatchBody,
  WebhookRedelivery,
} from "./components.ts";
import { endpointsOf } from "./endpoint-actions.ts";
import { deliveryParam, idParam, limit, type WebhookChange, type WebhookScope } from "./route-parts.ts";

const param = (c: Context<AppEnv>, name: string) => c.req.param(name) ?? "";

export function webhookRoutes(scope: WebhookScope): Route[] {
  const { base, access, tag, action, operationSuffix: suffix, tenantErrors } = scope;
  const one = { ...scope.params, id: idParam };
  /** The tenant's endpoints, and the recorder of a change to them. */
  const open = async (c: Context<AppEnv>) => {
    const tenant = await scope.tenantOf(c);
    const record = (what: WebhookChange["action"], target: string, details: WebhookChange["details"] = null) =>
      scope.record(c, { action: what, tenant, target, details });
    return { endpoints: endpointsOf(c.env, c.get("config"), tenant), record };
  };
  const common = { tag, access, action } as const;
  const errors = (...codes: ErrorCode[]) => [...tenantErrors, ...codes];
  return [
    defineRoute({
      ...common,
      method: "post",
      path: base,
      operationId: `createWebhook${suffix}`,
      summary: "Register a webhook endpoint (at most 10 per tenant)",
      description: "The answer carries the signing secret; it is never shown again (rotate it to get a new one).",
      params: scope.params,
      body: { component: WebhookCreateBody, example: { url: example.url, events: example.events }, limit },
      success: {
        status: "201",
        description: "Created",
        body: WebhookEndpointWithSecret,
        example: { ...example, secret },
      },
      errors: errors("invalid_url", "too_many_endpoints", "webhooks_unavailable"),
      handle: async (c, { body }) => {
        const { endpoints, record } = await open(c);
        const created = await endpoints.create(body);
        await record("webhook.create", created.id, changedFields(body));
        return c.json(created, 201);
      },
    }),
    defineRoute({
      ...common,
      method: "get",
      path: base,
      operationId: `listWebhooks${suffix}`,
      summary: "List the tenant's webhook endpoints",
      params: scope.params,
      success: {
        status: "200",
        description: "Endpoints",
        body: WebhookEndpointList,
        example: { endpoints: [example] },
      },
      errors: errors(),
      handle: async (c) => c.json({ endpoints: await (await open(c)).endpoints.list() }),
    }),
    defineRoute({
      ...common,
      method: "get",
      path: `${base}/{id}`,
      operationId: `getWebhook${suffix}`,
      summary: "One webhook endpoint",
      params: one,
      success: { status: "200", description: "The endpoint", body: WebhookEndpoint, example },
      errors: errors("not_found"),
      handle: async (c) => c.json(await (await open(c)).endpoints.get(param(c, "id"))),
    }),
    defineRoute({
      ...common,
      method: "patch",
      path: `${base}/{id}`,
      operationId: `updateWebhook${suffix}`,
      summary: "Change an endpoint; `status: enabled` turns a disabled one back on",
      params: one,
      body: { component: WebhookPatchBody, example: { status: "enabled" }, limit },
      success: { status: "200", description: "The endpoint as changed", body: WebhookEndpoint, example },
      errors: errors("invalid_url", "not_found"),
      handle: async (c, { body }) => {
        const { endpoints, record } = await open(c);
        const updated = await endpoints.update(param(c, "id"), body);
        await record("webhook.update", updated.id, changedFields(body));
        return c.json(updated);
      },
    }),
    defineRoute({
      ...common,
      method: "delete",
      path: `${base}/{id}`,
      operationId: `deleteWebhook${suffix}`,
      summary: "Delete an endpoint and its failed deliveries",
      params: one,
      success: { status: "204", description: "Deleted" },
      errors: errors("not_found"),
      handle: async (c) => {
        const { endpoints, record } = await open(c);
        await endpoints.remove(param(c, "id"));
        await record("webhook.delete", param(c, "id"));
        return c.body(null, 204);
      },
    }),
    defineRoute({
      ...common,
      method: "post",
      path: `${base}/{id}/rotate-secret`,
      operationId: `rotateWebhookSecret${suffix}`,
      summary: "New signing secret; the old one also signs for 24 hours",
      params: one,
      success: {
        status: "200",
        description: "The endpoint and its new secret, shown only here",
        body: WebhookEndpointWithSecret,
        example: { ...example, previousSecretExpiresAt: 1_796_086_400_000, secret },
      },
      errors: errors("not_found", "webhooks_unavailable"),
      handle: async (c) => {
        const { endpoints, record } = await open(c);
        const rotated = await endpoints.rotate(param(c, "id"));
        await record("webhook.rotate_secret", rotated.id);
        return c.json(rotated);
      },
    }),
    defineRoute({
      ...common,
      method: "get",
      path: `${base}/{id}/failures`,
      operationId: `listWebhookFailures${suffix}`,
      summary: "Dead-lettered deliveries of an endpoint, newest first (at most 100 kept)",
      params: one,
      success: { status: "200", description: "Failed deliveries", body: WebhookFailures, example: { failures: [] } },
      errors: errors("not_found"),
      handle: async (c) => c.json(await (await open(c)).endpoints.failures(param(c, "id"))),
    }),
    defineRoute({
      ...common,
      method: "post",
      path: `${base}/{id}/failures/{deliveryId}/redeliver`,
      operationId: `redeliverWebhookFailure${suffix}`,
      summary: "Queue a dead-lettered delivery again; it leaves the list once delivered",
      params: { ...one, deliveryId: deliveryParam },
      success: {
        status: "202",
        description: "Queued",
        body: WebhookRedelivery,
        example: { deliveryId: "dl_a2c4e6g8i2k4m6o8q2s4", events: 3, status: "queued" },
      },
      errors: errors("not_found", "endpoint_disabled"),
      handle: async (c) => {
        const { endpoints, record } = await open(c);
        const queued = await endpoints.redeliver(param(c, "id"), param(c, "deliveryId"));
        await record("webhook.redeliver", param(c, "id"), { deliveryId: queued.deliveryId, events: queued.events });
        return c.json(queued, 202);
      },
    }),
  ];
}

/** A tenant's admin API key manages its own endpoints. */
export const ADMIN_WEBHOOK_ROUTES = webhookRoutes({
  base: "/v1/admin/webhooks",
  params: {},
  access: credential({ api_key: ["admin"] }, "API_LIMITER"),
  tag: "webhooks",
  action: "webhooks",
  operationSuffix: "",
  tenantOf: async (c) => c.get("principal").tenant,
  tenantErrors: [],
  // A tenant's own changes go to no audit log: the operator audit records operators' actions.
  record: async () => {},
});
