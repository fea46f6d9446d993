// HTTP publish, one message or a batch: body size and shape are checked here, so the room only
// numbers and delivers. An `Idempotency-Key` makes a retry answer like the first attempt.
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import type { MiddlewareHandler } from "hono/types";
import { z } from "zod";
import { type Principal, senderOf } from "../auth/principal.ts";
import type { TenantPolicy } from "../control/terms.ts";
import type { AppEnv, Env } from "../env.ts";
import { GatewayError } from "../errors.ts";
import { idempotencyKeySchema, type PublishBody, type PublishRequest, type PublishResult } from "../protocol.ts";
import { ENVELOPE_SLACK_BYTES, idempotencyRefOf, publishRequestOf } from "../publish-request.ts";
import { roomStub } from "../room/client.ts";
import { exceedsBytes, sizeInWords, utf8ByteLength } from "../utf8.ts";
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER, MAX_BATCH_PUBLISH } from "../wire.ts";

/** The payload limit of the request's tenant (its own, else MAX_PAYLOAD_BYTES). */
export function payloadLimitOf(c: Context<AppEnv>): number {
  const tenant: TenantPolicy | undefined = c.get("tenant");
  return tenant?.limits.maxPayloadBytes ?? c.get("config").maxPayloadBytes;
}

/** What one message may take on either route: its payload limit, plus room for its other fields. */
const messageLimitOf = (maxPayloadBytes: number): number => maxPayloadBytes + ENVELOPE_SLACK_BYTES;

/** Distinct payload limits in use are few (the default and tenants' own); past this many, start over. */
const MAX_BODY_LIMITERS = 64;

/** A body of up to `messages` maximal messages, refused while it streams in. */
function limitBodyOf(messages: number, what: string) {
  // Built once per payload limit, not per request.
  const built = new Map<number, MiddlewareHandler<AppEnv>>();
  const limitFor = (maxPayloadBytes: number): MiddlewareHandler<AppEnv> => {
    const ready = built.get(maxPayloadBytes);
    if (ready !== undefined) return ready;
    const maxSize = messages * messageLimitOf(maxPayloadBytes);
    const limiter = bodyLimit({
      maxSize,
      onError: () => {
        throw new GatewayError("payload_too_large", `request body is larger than the ${sizeInWords(maxSize)} ${what}`);
      },
    });
    if (built.size >= MAX_BODY_LIMITERS) built.clear();
    built.set(maxPayloadBytes, limiter);
    return limiter;
  };
  return createMiddleware<AppEnv>(async (c, next) => limitFor(payloadLimitOf(c))(c, next));
}

/** Refuses a body over one message's limit while it streams in. */
export const limitBody = limitBodyOf(1, "this route accepts");
/**
 * The same for a batch of the largest size; `limitBatchToCount` then holds a batch to what its
 * own count of messages may take, once the count is known.
 */
export const limitBatchBody = limitBodyOf(MAX_BATCH_PUBLISH, `a batch of ${MAX_BATCH_PUBLISH} messages may take`);

/** Refuses a batch body larger than its `count` messages may take (whitespace and all). */
export async function limitBatchToCount(c: Context<AppEnv>, count: number): Promise<void> {
  const limit = count * messageLimitOf(payloadLimitOf(c));
  // The validator has read the body already: this is its cached text.
  if (exceedsBytes(await c.req.text(), limit))
    throw new GatewayError(
      "payload_too_large",
      `request body is larger than the ${sizeInWords(limit)} a batch of ${count} message${count === 1 ? "" : "s"} may take`,
    );
}

/** Batch validation details that name each bad element: `{ formErrors, fieldErrors, messages: [{ index, … }] }`. */
export function batchErrorDetails(error: z.core.$ZodError) {
  const elements = new Map<number, z.core.$ZodIssue[]>();
  const rest: z.core.$ZodIssue[] = [];
  for (const issue of error.issues) {
    const [field, index] = issue.path;
    if (field === "messages" && typeof index === "number")
      elements.set(index, [...(elements.get(index) ?? []), { ...issue, path: issue.path.slice(2) }]);
    else rest.push(issue);
  }
  return {
    ...z.flattenError(new z.ZodError(rest)),
    messages: [...elements].map(([index, issues]) => ({ index, ...z.flattenError(new z.ZodError(issues)) })),
  };
}

/** The `Idempotency-Key` header, checked; undefined when absent. */
export function idempotencyKeyOf(headers: Headers): string | undefined {
  const key = headers.get(IDEMPOTENCY_KEY_HEADER);
  if (key === null) return undefined;
  if (!idempotencyKeySchema.safeParse(key).success)
    throw new GatewayError("invalid_idempotency_key", "Idempotency-Key must be 1-128 printable ASCII characters");
  return key;
}

/** Headers of an answer: `Idempotent-Replayed: true` when it repeats the key's first answer. */
export const replayHeaders = (replayed: boolean): Record<string, string> =>
  replayed ? { [IDEMPOTENT_REPLAYED_HEADER]: "true" } : {};

/**
 * The request a room gets for one body, held to one message's limit on both routes: a batch element
 * may not use the room its siblings left free (a `to` list the single route's body limit would have
 * cut off). `index` names the element of a batch in a refusal.
 */
export function toRequest(
  maxPayloadBytes: number,
  principal: Principal,
  room: string,
  body: PublishBody,
  index?: number,
): PublishRequest {
  const req = publishRequestOf(
    senderOf(principal),
    room,
    body,
    maxPayloadBytes,
    index === undefined ? "http" : "batch",
    index,
  );
  const { event, tags, to, exclude } = body;
  const left = messageLimitOf(maxPayloadBytes) - utf8ByteLength(req.payloadJson);
  if (exceedsBytes(JSON.stringify({ event, tags, to, exclude }), left)) {
    const what = index === undefined ? "the message" : `messages[${index}]`;
    const message = `${what} is larger than the ${sizeInWords(messageLimitOf(maxPayloadBytes))} one message may take`;
    throw new GatewayError("payload_too_large", message, index === undefined ? undefined : { index });
  }
  return req;
}

export type Published = { results: PublishResult[]; replayed: boolean };

/**
 * Publishes in order (consecutive seqs), all or nothing. With a key, a repeat answers with the
 * first attempt's results (`replayed`) and delivers nothing.
 */
async function publishAll(
  env: Env,
  principal: Principal,
  room: string,
  reqs: PublishRequest[],
  key: string | undefined,
): Promise<Published> {
  const idempotency = idempotencyRefOf(senderOf(principal), key, reqs);
  const outcome = await roomStub(env, principal.tenant, room).publish(reqs, idempotency);
  if (outcome.status === "key_reused")
    throw new GatewayError("idempotency_key_reused", "Idempotency-Key was used for a different request");
  return { results: outcome.results, replayed: outcome.status === "replayed" };
}

export async function publishOne(
  env: Env,
  maxPayloadBytes: number,
  principal: Principal,
  room: string,
  body: PublishBody,
  key: string | undefined,
): Promise<{ result: PublishResult; replayed: boolean }> {
  const req = toRequest(maxPayloadBytes, principal, room, body);
  const { results, replayed } = await publishAll(env, principal, room, [req], key);
  const [result] = results;
  if (result === undefined) throw new Error("publishOne: the room answered no result");
  return { result, replayed };
}

export async function publishBatch(
  env: Env,
  maxPayloadBytes: number,
  principal: Principal,
  room: string,
  bodies: readonly PublishBody[],
  key: string | undefined,
): Promise<Published> {
  const reqs = bodies.map((body, index) => toRequest(maxPayloadBytes, principal, room, body, index));
  return publishAll(env, principal, room, reqs, key);
}
