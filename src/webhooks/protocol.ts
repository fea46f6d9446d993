// Every webhook wire format in one place: the admin routes' bodies and answers, the events a
// receiver gets, and the messages on the webhook queues (written by the objects' outboxes and by
// the consumer itself, read by the consumer). Queue messages are parsed with these schemas too:
// a message written by an older version must still parse (fields are only ever added, optional).
import { z } from "zod";
import { MAX_OUTBOUND_URL_LENGTH } from "../net/outbound-url.ts";
import { roomGrantSchema, roomSchema, tenantSchema } from "../protocol.ts";

export const WEBHOOK_EVENT_TYPES = [
  "room.occupied",
  "room.vacated",
  "presence.joined",
  "presence.left",
  "message.published",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Endpoints a tenant may have. */
export const MAX_ENDPOINTS = 10;
/** One POST carries at most this many events, and at most MAX_DELIVERY_BYTES of body (one larger event goes alone). */
export const MAX_EVENTS_PER_DELIVERY = 100;
export const MAX_DELIVERY_BYTES = 256 * 1024;
/** After a rotation the previous secret keeps signing this long. */
export const PREVIOUS_SECRET_GRACE_MS = 24 * 3_600_000;

export const ENDPOINT_ID_PATTERN = /^we_[a-z0-9]{20}$/;
export const DEAD_LETTER_ID_PATTERN = /^dl_[a-z0-9]{20}$/;
const endpointIdSchema = z.string().regex(ENDPOINT_ID_PATTERN);

const eventTypesSchema = z
  .array(z.enum(WEBHOOK_EVENT_TYPES))
  .min(1)
  .max(16)
  .transform((types) => [...new Set(types)]);
const roomsSchema = z.array(roomGrantSchema).min(1).max(100);
// The URL rules (https, public host, no credentials) are checked by the route: they depend on
// configuration and have their own error code.
const urlSchema = z.string().min(1).max(MAX_OUTBOUND_URL_LENGTH);

/** `POST /v1/admin/webhooks` body. Without `rooms` the endpoint hears every room. */
export const endpointCreateSchema = z.strictObject({
  url: urlSchema,
  events: eventTypesSchema,
  rooms: roomsSchema.optional(),
});
export type EndpointCreate = z.infer<typeof endpointCreateSchema>;

/** `PATCH /v1/admin/webhooks/{id}` body: `rooms: null` hears every room again; `status: "enabled"` turns a disabled endpoint back on. */
export const endpointPatchSchema = z
  .strictObject({
    url: urlSchema.optional(),
    events: eventTypesSchema.optional(),
    rooms: roomsSchema.nullable().optional(),
    status: z.enum(["enabled", "disabled"]).optional(),
  })
  .refine((p) => Object.keys(p).length > 0, "name at least one of url, events, rooms, status");
export type EndpointPatch = z.infer<typeof endpointPatchSchema>;

export type EndpointStatus = "enabled" | "disabled";

/** An endpoint as the API shows it (never its secret). Times are epoch milliseconds. */
export type WebhookEndpoint = {
  id: string;
  url: string;
  events: WebhookEventType[];
  /** Room names and `prefix*` patterns; absent means every room. */
  rooms?: string[];
  status: EndpointStatus;
  /** Why the endpoint was disabled (by the gateway after failing, or by a PATCH). */
  disabledReason?: string;
  /** Set while every delivery since then has failed; cleared by a success. */
  failingSince?: number;
  lastError?: string;
  /** Until when the previous secret also signs, after a rotation. */
  previousSecretExpiresAt?: number;
  createdAt: number;
  updatedAt: number;
};

/** A dead-lettered delivery as `GET …/failures` lists it. */
export type DeadLetterView = {
  id: string;
  endpoint: string;
  eventIds: string[];
  attempts: number;
  firstAttemptAt: number;
  lastAttemptAt: number;
  lastError: string;
};

/** An event as the queue carries it: what the consumer filters on, and the event's JSON as sent. */
export const queuedEventSchema = z.object({
  id: z.string().min(1).max(128),
  type: z.enum(WEBHOOK_EVENT_TYPES),
  room: roomSchema,
  /** The event's JSON text, spliced verbatim into the POST body. */
  body: z.string().min(2),
});
export type QueuedEvent = z.infer<typeof queuedEventSchema>;

/**
 * A message on the webhook queue (and, moved or sent there, on its dead-letter queue).
 *
 * - A hand-off from an outbox: `origin` names the object holding the events, `attempt` is 0 and
 *   `endpoints` is absent (every endpoint that subscribes).
 * - A retry, sent by the consumer with a delay: the endpoints that failed, `attempt` and
 *   `firstAttemptAt` carried on, `errors` their last error. `origin` goes along: the outbox is
 *   told the events are settled only when the last retry ends.
 * - A redelivery of a dead letter (`redelivery` is its id): one endpoint, no origin.
 */
export const webhookMessageSchema = z.object({
  v: z.literal(1),
  tenant: tenantSchema,
  origin: z.string().min(1).max(512).optional(),
  events: z.array(queuedEventSchema).min(1).max(MAX_EVENTS_PER_DELIVERY),
  endpoints: z.array(endpointIdSchema).max(MAX_ENDPOINTS).optional(),
  attempt: z.number().int().min(0),
  firstAttemptAt: z.number().int().optional(),
  errors: z.record(z.string(), z.string()).optional(),
  redelivery: z.string().regex(DEAD_LETTER_ID_PATTERN).optional(),
});
export type WebhookMessage = z.infer<typeof webhookMessageSchema>;

/**
 * What the consumer tells an outbox about events it handed over (by event id): `settled` ones
 * were delivered to every endpoint or dead-lettered and can be deleted; `retrying` ones are still
 * in the consumer's hands, so the outbox must not hand them over again before `retryUntil`.
 */
export type OutboxReport = { settled: string[]; retrying: string[]; retryUntil: number };

/** The RPC an object with a webhook outbox exposes to the consumer. */
export interface WebhookOrigin {
  webhookReport(report: OutboxReport): Promise<void>;
}
