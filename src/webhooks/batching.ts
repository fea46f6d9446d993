// Which events go to which endpoint, and in how many POSTs: each endpoint gets the events it
// subscribes to (type and room), from every message of a queue batch, in order, at most
// MAX_EVENTS_PER_DELIVERY events and MAX_DELIVERY_BYTES of body per POST (an event larger than
// that goes alone). Pure.
import { roomAllowed } from "../auth/principal.ts";
import type { QueuedEvent, WebhookMessage } from "../protocol.ts";
import { utf8ByteLength } from "../utf8.ts";
import { MAX_DELIVERY_BYTES, MAX_EVENTS_PER_DELIVERY } from "../wire.ts";
import type { Target } from "./target-cache.ts";

/** Events of one message (by its index in the batch) bound for one endpoint. */
export type Part = { message: number; events: QueuedEvent[] };
/** One POST's worth of parts. */
export type Chunk = Part[];

/** `{"events":[` … `]}` */
const ENVELOPE_BYTES = 13;

export const wants = (t: Pick<Target, "events" | "rooms">, e: QueuedEvent) =>
  t.events.includes(e.type) && roomAllowed(t.rooms, e.room);

/**
 * The parts each endpoint should get. A message names its endpoints when it is a retry or a
 * redelivery; a fresh one goes to every enabled endpoint. A named endpoint that was disabled in
 * the meantime is in `disabled` (its events are dead-lettered); one that was deleted is dropped.
 */
export function plan(messages: readonly (WebhookMessage | undefined)[], targets: readonly Target[]) {
  const parts = new Map<string, Part[]>();
  const disabled: { message: number; endpoint: string }[] = [];
  messages.forEach((m, message) => {
    if (m === undefined) return;
    const named = m.endpoints === undefined ? undefined : new Set(m.endpoints);
    for (const t of targets) {
      if (named !== undefined && !named.has(t.id)) continue;
      const events = m.events.filter((e) => wants(t, e));
      if (events.length === 0) continue;
      if (t.status !== "enabled") {
        if (named !== undefined) disabled.push({ message, endpoint: t.id });
        continue;
      }
      parts.set(t.id, [...(parts.get(t.id) ?? []), { message, events }]);
    }
  });
  return { parts, disabled };
}

/** Splits an endpoint's parts into POSTs, keeping their order; a part may straddle two POSTs. */
export function chunk(parts: readonly Part[], maxEvents = MAX_EVENTS_PER_DELIVERY, maxBytes = MAX_DELIVERY_BYTES) {
  const chunks: Chunk[] = [];
  let current: Chunk = [];
  let count = 0;
  let bytes = ENVELOPE_BYTES;
  const push = (message: number, e: QueuedEvent) => {
    const last = current[current.length - 1];
    if (last?.message === message) last.events.push(e);
    else current.push({ message, events: [e] });
  };
  for (const part of parts) {
    for (const e of part.events) {
      const size = utf8ByteLength(e.body);
      // A comma before every event but the first.
      if (count > 0 && (count >= maxEvents || bytes + 1 + size > maxBytes)) {
        chunks.push(current);
        current = [];
        count = 0;
        bytes = ENVELOPE_BYTES;
      }
      push(part.message, e);
      bytes += size + (count > 0 ? 1 : 0);
      count += 1;
    }
  }
  if (count > 0) chunks.push(current);
  return chunks;
}

export const eventsOf = (c: Chunk): QueuedEvent[] => c.flatMap((p) => p.events);
