// The webhook routes' entries in the OpenAPI route table (src/openapi/routes.ts spreads them in)
// and the response schemas they name. Request schemas come from ./protocol.ts.
import { z } from "zod";
import type { RouteDoc } from "../openapi/routes.ts";
import type { ErrorCode } from "../wire.ts";
import { endpointCreateSchema, endpointPatchSchema, WEBHOOK_EVENT_TYPES } from "./protocol.ts";

const time = z.number().int().meta({ description: "epoch milliseconds" });

export const webhookEndpointSchema = z.object({
  id: z.string().meta({ description: "`we_` and 20 characters" }),
  url: z.string(),
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
  rooms: z.array(z.string()).optional().meta({ description: "room names and `prefix*` patterns; absent: every room" }),
  status: z.enum(["enabled", "disabled"]),
  disabledReason: z.string().optional(),
  failingSince: time.optional().meta({ description: "every delivery since then has failed" }),
  lastError: z.string().optional(),
  previousSecretExpiresAt: time.optional().meta({ description: "the previous secret also signs until then" }),
  createdAt: time,
  updatedAt: time,
});
const withSecret = webhookEndpointSchema.extend({
  secret: z.string().meta({ description: "`whsec_…`, shown only in this answer" }),
});
const failureSchema = z.object({
  id: z.string().meta({ description: "the delivery id to redeliver" }),
  endpoint: z.string(),
  eventIds: z.array(z.string()),
  attempts: z.number().int(),
  firstAttemptAt: time,
  lastAttemptAt: time,
  lastError: z.string(),
});

export const WEBHOOK_COMPONENTS = {
  WebhookCreateBody: endpointCreateSchema,
  WebhookPatchBody: endpointPatchSchema,
  WebhookEndpoint: webhookEndpointSchema,
  WebhookEndpointWithSecret: withSecret,
  WebhookEndpointList: z.object({ endpoints: z.array(webhookEndpointSchema) }),
  WebhookFailures: z.object({ failures: z.array(failureSchema) }),
  WebhookRedelivery: z.object({ deliveryId: z.string(), events: z.number().int(), status: z.literal("queued") }),
};

const ERRORS: ErrorCode[] = [
  "missing_token",
  "invalid_token",
  "invalid_api_key",
  "revoked_api_key",
  "forbidden",
  "rate_limited",
];
const BODY: ErrorCode[] = ["invalid_json", "invalid_body", "payload_too_large"];
const ID = [{ name: "id", description: "the endpoint id (`we_…`)" }];
const auth = { api_key: ["admin"] } as const;

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

const route = (r: Omit<RouteDoc, "tag" | "auth">): RouteDoc => ({ ...r, tag: "webhooks", auth });

export const WEBHOOK_ROUTES: RouteDoc[] = [
  route({
    method: "post",
    path: "/v1/admin/webhooks",
    operationId: "createWebhook",
    summary: "Register a webhook endpoint (at most 10 per tenant)",
    description: "The answer carries the signing secret; it is never shown again (rotate it to get a new one).",
    body: { schema: "WebhookCreateBody", example: { url: example.url, events: example.events, rooms: example.rooms } },
    success: {
      status: "201",
      description: "Created",
      schema: "WebhookEndpointWithSecret",
      example: { ...example, secret },
    },
    errors: [...ERRORS, ...BODY, "invalid_url", "too_many_endpoints", "webhooks_unavailable"],
  }),
  route({
    method: "get",
    path: "/v1/admin/webhooks",
    operationId: "listWebhooks",
    summary: "List the tenant's webhook endpoints",
    success: {
      status: "200",
      description: "Endpoints",
      schema: "WebhookEndpointList",
      example: { endpoints: [example] },
    },
    errors: ERRORS,
  }),
  route({
    method: "get",
    path: "/v1/admin/webhooks/{id}",
    operationId: "getWebhook",
    summary: "One webhook endpoint",
    pathParams: ID,
    success: { status: "200", description: "The endpoint", schema: "WebhookEndpoint", example },
    errors: [...ERRORS, "not_found"],
  }),
  route({
    method: "patch",
    path: "/v1/admin/webhooks/{id}",
    operationId: "updateWebhook",
    summary: "Change an endpoint; `status: enabled` turns a disabled one back on",
    pathParams: ID,
    body: { schema: "WebhookPatchBody", example: { status: "enabled" } },
    success: { status: "200", description: "The endpoint as changed", schema: "WebhookEndpoint", example },
    errors: [...ERRORS, ...BODY, "invalid_url", "not_found"],
  }),
  route({
    method: "delete",
    path: "/v1/admin/webhooks/{id}",
    operationId: "deleteWebhook",
    summary: "Delete an endpoint and its failed deliveries",
    pathParams: ID,
    success: { status: "204", description: "Deleted" },
    errors: [...ERRORS, "not_found"],
  }),
  route({
    method: "post",
    path: "/v1/admin/webhooks/{id}/rotate-secret",
    operationId: "rotateWebhookSecret",
    summary: "New signing secret; the old one also signs for 24 hours",
    pathParams: ID,
    success: {
      status: "200",
      description: "The endpoint and its new secret, shown only here",
      schema: "WebhookEndpointWithSecret",
      example: { ...example, previousSecretExpiresAt: 1_796_086_400_000, secret },
    },
    errors: [...ERRORS, "not_found", "webhooks_unavailable"],
  }),
  route({
    method: "get",
    path: "/v1/admin/webhooks/{id}/failures",
    operationId: "listWebhookFailures",
    summary: "Dead-lettered deliveries of an endpoint, newest first (at most 100 kept)",
    pathParams: ID,
    success: { status: "200", description: "Failed deliveries", schema: "WebhookFailures" },
    errors: [...ERRORS, "not_found"],
  }),
  route({
    method: "post",
    path: "/v1/admin/webhooks/{id}/failures/{deliveryId}/redeliver",
    operationId: "redeliverWebhookFailure",
    summary: "Queue a dead-lettered delivery again; it leaves the list once delivered",
    pathParams: [...ID, { name: "deliveryId", description: "a failure's id (`dl_…`)" }],
    success: {
      status: "202",
      description: "Queued",
      schema: "WebhookRedelivery",
      example: { deliveryId: "dl_a2c4e6g8i2k4m6o8q2s4", events: 3, status: "queued" },
    },
    errors: [...ERRORS, "not_found", "endpoint_disabled"],
  }),
];
