// A publish's payload as the room stores and sends it: re-serialized JSON within MAX_PAYLOAD_BYTES,
// checked the same way for HTTP bodies, batch elements and WebSocket frames.
import { GatewayError } from "./errors.ts";
import { exceedsBytes } from "./utf8.ts";

/** `index` names the element of a batch in the refusal. */
export function payloadJsonOf(payload: unknown, maxBytes: number, index?: number): string {
  const payloadJson = JSON.stringify(payload);
  if (!exceedsBytes(payloadJson, maxBytes)) return payloadJson;
  if (index === undefined) throw new GatewayError("payload_too_large", `payload exceeds ${maxBytes} bytes`);
  throw new GatewayError("payload_too_large", `messages[${index}].payload exceeds ${maxBytes} bytes`, { index });
}
