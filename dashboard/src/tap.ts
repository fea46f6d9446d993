// The live tap: GET /v1/admin/rooms/{room}/tap as server-sent events over fetch, so the admin key
// travels in the Authorization header (a WebSocket or EventSource could only carry it in the URL).
import type { AdminApi } from "./api.ts";
import { SseParser } from "./sse.ts";

/**
 * A message as the tap shows it: the frame as published, with its recipients when it was targeted;
 * an ephemeral one has no seq.
 */
export type TapMessage = {
  seq?: number;
  ephemeral?: true;
  event: string;
  sender: { kind: string; id: string };
  ts: number;
  payload: unknown;
  to?: { users?: string[]; connections?: string[] };
  exclude?: { connections?: string[] };
};

export type TapHandlers = {
  ready(seq: number): void;
  message(m: TapMessage): void;
  /** The gateway ended the stream (its longest tap, a deploy); the caller may open it again. */
  end(reason: string): void;
};

const parse = (data: string): Record<string, unknown> | undefined => {
  try {
    const v: unknown = JSON.parse(data);
    return typeof v === "object" && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

/** Reads the tap until it ends or `signal` aborts; a refusal rejects with the gateway's ApiError. */
export async function runTap(api: AdminApi, room: string, signal: AbortSignal, on: TapHandlers): Promise<void> {
  const res = await api.fetch(`/v1/admin/rooms/${encodeURIComponent(room)}/tap`, { signal }, "text/event-stream");
  if (res.body === null) return on.end("empty answer");
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const parser = new SseParser();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return on.end("closed");
    for (const ev of parser.push(value)) {
      const data = parse(ev.data);
      if (data === undefined) continue;
      if (ev.event === "ready") on.ready(Number(data.seq ?? 0));
      else if (ev.event === "message" && data.type === "message") on.message(data as TapMessage);
      else if (ev.event === "end") on.end(String(data.reason ?? "ended"));
    }
  }
}
