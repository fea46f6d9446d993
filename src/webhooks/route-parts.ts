// The parts of the webhook routes (routes.ts) that do not depend on the scope they are built for:
// what a scope is, what is recorded of a change, the path parameters and the body limit.
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import type { Action, AppEnv } from "../env.ts";
import { GatewayError } from "../errors.ts";
import type { Access, PathParam, Tag } from "../routes/route.ts";
import { ENDPOINT_ID_PATTERN, type ErrorCode } from "../wire.ts";
import { endpointNotFound } from "./endpoint-actions.ts";

/** Whose endpoints a set of routes manages, and who may call them. */
export type WebhookScope = {
  /** The routes' common prefix, in OpenAPI syntax. */
  base: string;
  /** The path parameters of `base` (checked first, like every route's). */
  params: Readonly<Record<string, PathParam>>;
  access: Access;
  tag: Tag;
  action: Action;
  /** Appended to each operationId (`listWebhooks` + suffix). */
  operationSuffix: string;
  /** The tenant whose endpoints the request manages; refuses (throws) when there is none. */
  tenantOf: (c: Context<AppEnv>) => Promise<string>;
  /** What `tenantOf` can answer, added to every route's errors. */
  tenantErrors: readonly ErrorCode[];
  /** Records a change that was made (the operator audit); never given a secret. */
  record: (c: Context<AppEnv>, change: WebhookChange) => Promise<void>;
};

/** A change made through the routes: what, to which endpoint, and its safe details. */
export type WebhookChange = {
  action: "webhook.create" | "webhook.update" | "webhook.delete" | "webhook.rotate_secret" | "webhook.redeliver";
  tenant: string;
  target: string;
  details: Record<string, unknown> | null;
};

// Far above any valid body (a URL, five event types, a hundred room patterns).
export const limit = bodyLimit({
  maxSize: 32 * 1024,
  onError: () => {
    throw new GatewayError("payload_too_large", "body exceeds 32 KiB");
  },
});

/** `{id}`: an id of the wrong shape is as unknown as a missing one. */
export const idParam: PathParam = {
  schema: z.string().regex(ENDPOINT_ID_PATTERN),
  description: "the endpoint id (`we_…`)",
  invalid: endpointNotFound,
};
/** `{deliveryId}`: checked by the handler, which tells a missing endpoint from a missing delivery. */
export const deliveryParam: PathParam = {
  schema: z.string().max(64),
  description: "a failure's id (`dl_…`)",
  invalid: () => new GatewayError("not_found", "no such failed delivery"),
};
