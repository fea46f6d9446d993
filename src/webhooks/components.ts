// The schemas the webhook routes name in the OpenAPI document: request bodies straight from
// src/protocol.ts (what the routes check), response bodies described here; and their examples.
import { z } from "zod";
import { endpointCreateSchema, endpointPatchSchema } from "../protocol.ts";
import { component } from "../routes/route.ts";
import { WEBHOOK_EVENT_TYPES } from "../wire.ts";

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

export const WebhookCreateBody = component("WebhookCreateBody", endpointCreateSchema);
export const WebhookPatchBody = component("WebhookPatchBody", endpointPatchSchema);
export const WebhookEndpoint = component("WebhookEndpoint", webhookEndpointSchema);
export const WebhookEndpointWithSecret = component("WebhookEndpointWithSecret", withSecret);
export const WebhookEndpointList = component(
  "WebhookEndpointList",
  z.object({ endpoints: z.array(webhookEndpointSchema) }),
);
export const WebhookFailures = component("WebhookFailures", z.object({ failures: z.array(failureSchema) }));
export const WebhookRedelivery = component(
  "WebhookRedelivery",
  z.object({ deliveryId: z.string(), events: z.number().int(), status: z.literal("queued") }),
);

/** The document's example endpoint and secret (not real ones). */
export const ENDPOINT_EXAMPLE = {
  id: "we_k2m4q6s8u2w4y6a8c2e4",
  url: "https://app.example.com/hooks/broadcast",
  events: ["presence.joined", "presence.left"],
  rooms: ["chat-*"],
  status: "enabled",
  createdAt: 1_796_000_000_000,
  updatedAt: 1_796_000_000_000,
};
export const SECRET_EXAMPLE = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw3xr8j6WSxI4=";
