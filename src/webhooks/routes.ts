// The webhook endpoint routes as route-table entries (src/routes/table.ts), built for a scope: a
// tenant's admin key on its own endpoints (`/v1/admin/webhooks`), or another caller that names
// whose endpoints it manages (the scope's `tenantOf`).
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import type { AppEnv } from "../env.ts";
import { GatewayError } from "../errors.ts";
import { credential } from "../routes/access.ts";
import { type Access, defineRoute, type PathParam, type Route, type Tag } from "../routes/route.ts";
import { ENDPOINT_ID_PATTERN } from "../wire.ts";
import {
  WebhookCreateBody,
  WebhookEndpoint,
  WebhookEndpointList,
  WebhookEndpointWithSecret,
  WebhookFailures,
  WebhookPatchBody,
  WebhookRedelivery,
} from "./components.ts";
import { endpointNotFound, endpointsOf } from "./endpoint-actions.ts";

/** Whose endpoints a set of routes manages, and who may call them. */
export type WebhookScope = {
  /** The routes' common prefix, in OpenAPI syntax. */
  base: string;
  /** The path parameters of `base` (checked first, like every route's). */
  params: Readonly<Record<string, PathParam>>;
  access: Access;
  tag: Tag;
  /** Appended to each operationId (`listWebhooks` + suffix). */
  operationSuffix: string;
  tenantOf: (c: Context<AppEnv>) => string;
};

// Far above any valid body (a URL, five event types, a hundred room patterns).
const limit = bodyLimit({
  maxSize: 32 * 1024,
  onError: () => {
    throw new GatewayError("payload_too_large", "body exceeds 32 KiB");
  },
});

/** `{id}`: an id of the wrong shape is as unknown as a missing one. */
const idParam: PathParam = {
  schema: z.string().regex(ENDPOINT_ID_PATTERN),
  description: "the endpoint id (`we_…`)",
  invalid: endpointNotFound,
};
/** `{deliveryId}`: checked by the handler, which tells a missing endpoint from a missing delivery. */
const deliveryParam: PathParam = {
  schema: z.string().max(64),
  description: "a failure's id (`dl_…`)",
  invalid: () => new GatewayError("not_found", "no such failed delivery"),
};

const example = {
  id: "we_k2m4q6s8u2w4y6a8c2e4",
  url: "https://app.example.com/hooks/broadcast",
  events: ["presence.joined", "presence.left"],
  rooms: ["chat-*"],
  status: "enabled",
  createdAt: 1_796_000_000_000,
  updatedAt: 1_796_000_000_000,
};
const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw3xr8j6WSxI4=";

const param = (c: Context<AppEnv>, name: string) => c.req.param(name) ?? "";

export function webhookRoutes(scope: WebhookScope): Route[] {
  const { base, access, tag, operationSuffix: suffix } = scope;
  const one = { ...scope.params, id: idParam };
  const endpoints = (c: Context<AppEnv>) => endpointsOf(c.env, c.get("config"), scope.tenantOf(c));
  const common = { tag, access, action: "webhooks" } as const;
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
      errors: ["invalid_url", "too_many_endpoints", "webhooks_unavailable"],
      handle: async (c, { body }) => c.json(await endpoints(c).create(body), 201),
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
      errors: [],
      handle: async (c) => c.json({ endpoints: await endpoints(c).list() }),
    }),
    defineRoute({
      ...common,
      method: "get",
      path: `${base}/{id}`,
      operationId: `getWebhook${suffix}`,
      summary: "One webhook endpoint",
      params: one,
      success: { status: "200", description: "The endpoint", body: WebhookEndpoint, example },
      errors: ["not_found"],
      handle: async (c) => c.json(await endpoints(c).get(param(c, "id"))),
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
      errors: ["invalid_url", "not_found"],
      handle: async (c, { body }) => c.json(await endpoints(c).update(param(c, "id"), body)),
    }),
    defineRoute({
      ...common,
      method: "delete",
      path: `${base}/{id}`,
      operationId: `deleteWebhook${suffix}`,
      summary: "Delete an endpoint and its failed deliveries",
      params: one,
      success: { status: "204", description: "Deleted" },
      errors: ["not_found"],
      handle: async (c) => {
        await endpoints(c).remove(param(c, "id"));
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
      errors: ["not_found", "webhooks_unavailable"],
      handle: async (c) => c.json(await endpoints(c).rotate(param(c, "id"))),
    }),
    defineRoute({
      ...common,
      method: "get",
      path: `${base}/{id}/failures`,
      operationId: `listWebhookFailures${suffix}`,
      summary: "Dead-lettered deliveries of an endpoint, newest first (at most 100 kept)",
      params: one,
      success: { status: "200", description: "Failed deliveries", body: WebhookFailures, example: { failures: [] } },
      errors: ["not_found"],
      handle: async (c) => c.json(await endpoints(c).failures(param(c, "id"))),
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
      errors: ["not_found", "endpoint_disabled"],
      handle: async (c) => c.json(await endpoints(c).redeliver(param(c, "id"), param(c, "deliveryId")), 202),
    }),
  ];
}

/** A tenant's admin API key manages its own endpoints. */
export const ADMIN_WEBHOOK_ROUTES = webhookRoutes({
  base: "/v1/admin/webhooks",
  params: {},
  access: credential({ api_key: ["admin"] }, "API_LIMITER"),
  tag: "webhooks",
  operationSuffix: "",
  tenantOf: (c) => c.get("principal").tenant,
});
