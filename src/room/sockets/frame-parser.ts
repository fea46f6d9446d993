// Turns a raw WebSocket frame into a validated ClientFrame, or the error frame's code and ref.
import { GatewayError } from "../../errors.ts";
import { type ClientFrame, clientFrameSchema, looseRefSchema } from "../../protocol.ts";
import { ENVELOPE_SLACK_BYTES } from "../../publish-request.ts";
import { exceedsBytes } from "../../utf8.ts";
import type { Ref } from "../../wire.ts";

export type ParsedFrame = { ok: true; frame: ClientFrame } | { ok: false; error: GatewayError; ref?: Ref };

export function parseClientFrame(message: string | ArrayBuffer, maxPayloadBytes: number): ParsedFrame {
  if (typeof message !== "string")
    return { ok: false, error: new GatewayError("unsupported", "binary frames are not supported") };
  if (exceedsBytes(message, maxPayloadBytes + ENVELOPE_SLACK_BYTES))
    return { ok: false, error: new GatewayError("payload_too_large", `frame exceeds ${maxPayloadBytes} bytes`) };
  let raw: unknown;
  try {
    raw = JSON.parse(message);
  } catch {
    return { ok: false, error: new GatewayError("invalid_json", "frame is not valid JSON") };
  }
  const parsed = clientFrameSchema.safeParse(raw);
  if (parsed.success) return { ok: true, frame: parsed.data };
  const ref = looseRefSchema.safeParse(raw);
  const fields = [...new Set(parsed.error.issues.map((i) => i.path.join(".") || i.message))];
  return {
    ok: false,
    error: new GatewayError("invalid_message", `invalid frame: ${fields.join(", ")}`),
    ...(ref.success ? { ref: ref.data.ref } : {}),
  };
}
