// A publish as the room receives it, built the same way from an HTTP body, a batch element and a
// WebSocket frame: the sender stamped from the verified credential, the payload serialized once
// within MAX_PAYLOAD_BYTES, and an idempotency key bound to its owner and to exactly these messages.
import { identityLabel } from "./auth/principal.ts";
import { GatewayError } from "./errors.ts";
import type { IdempotencyRef, PublishRequest } from "./protocol.ts";
import { sha256HexSync } from "./sha256.ts";
import { exceedsBytes, sizeInWords } from "./utf8.ts";
import type { PublishFrame, Sender } from "./wire.ts";

/** Room for a frame's or a body's own fields around a payload of the maximum size. */
export const ENVELOPE_SLACK_BYTES = 16 * 1024;

/** `index` names the element of a batch in the refusal. */
export function payloadJsonOf(payload: unknown, maxBytes: number, index?: number): string {
  const payloadJson = JSON.stringify(payload);
  if (!exceedsBytes(payloadJson, maxBytes)) return payloadJson;
  const what = index === undefined ? "payload" : `messages[${index}].payload`;
  const message = `${what} is larger than the ${sizeInWords(maxBytes)} a message may carry (serialized as JSON)`;
  throw new GatewayError("payload_too_large", message, index === undefined ? undefined : { index });
}

/** The request a room gets for one body or frame from `sender`; `index` names the element of a batch in a refusal. */
export function publishRequestOf(
  sender: Sender,
  room: string,
  body: Pick<PublishFrame, "event" | "payload" | "tags" | "to" | "exclude">,
  maxPayloadBytes: number,
  source: NonNullable<PublishRequest["source"]>,
  index?: number,
): PublishRequest {
  const payloadJson = payloadJsonOf(body.payload, maxPayloadBytes, index);
  const { event, tags, to, exclude } = body;
  return { room, sender, event, tags, payloadJson, to, exclude, source };
}

/**
 * SHA-256 of the publish as validated: for each message its event, tags (sorted by key), payload as
 * re-serialized JSON (so whitespace in the original body does not matter, key order does), `to`
 * and `exclude`. The route does not count: one message sent alone, in a batch of one or over the
 * WebSocket is the same request. The room and sender are left out: the key is scoped by both.
 */
function requestFingerprint(reqs: readonly PublishRequest[]): string {
  const canonical = reqs.map((r) => [
    r.event,
    r.tags === undefined ? null : Object.entries(r.tags).sort(([a], [b]) => (a < b ? -1 : 1)),
    r.payloadJson,
    r.to === undefined ? null : [r.to.users ?? null, r.to.connections ?? null],
    r.exclude?.connections ?? null,
  ]);
  return sha256HexSync(JSON.stringify(canonical));
}

/**
 * The key of a publish as the room checks it: owned by its sender (`api_key:<id>` or `user:<id>`, so
 * two credentials may use the same key independently), bound to exactly these messages.
 */
export function idempotencyRefOf(
  sender: Sender,
  key: string | undefined,
  reqs: readonly PublishRequest[],
): IdempotencyRef | undefined {
  return key === undefined ? undefined : { owner: identityLabel(sender), key, fingerprint: requestFingerprint(reqs) };
}
