// A publish's payload as the room stores and sends it: re-serialized JSON within MAX_PAYLOAD_BYTES,
// checked the same way for HTTP bodies, batch elements and WebSocket frames.
import { GatewayError } from "./errors.ts";
import { exceedsBytes } from "./utf8.ts";

/** `65536` → `64 KiB`: limits read better in the units they were chosen in. */
export function sizeInWords(bytes: number): string {
  if (bytes % 1_048_576 === 0) return `${bytes / 1_048_576} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/** `index` names the element of a batch in the refusal. */
export function payloadJsonOf(payload: unknown, maxBytes: number, index?: number): string {
  const payloadJson = JSON.stringify(payload);
  if (!exceedsBytes(payloadJson, maxBytes)) return payloadJson;
  const what = index === undefined ? "payload" : `messages[${index}].payload`;
  const message = `${what} is larger than the ${sizeInWords(maxBytes)} a message may carry (serialized as JSON)`;
  throw new GatewayError("payload_too_large", message, index === undefined ? undefined : { index });
}
