// The events a room records for webhooks, as receivers get them: `{id, type, tenant, room, ts,
// data}`. Built once, when the room records the change, and carried as JSON text from then on (the
// consumer splices it into the POST body verbatim). Pure: the id, the time and the counter come in.
import { roomAllowed } from "../auth/principal.ts";
import type { QueuedEvent } from "../protocol.ts";
import { utf8ByteLength } from "../utf8.ts";
import type { WebhookEventType } from "../wire.ts";
import { MAX_MESSAGE_EVENT_BYTES } from "./outbox.ts";

/** Which room an event is about. */
export type EventRoom = { tenant: string; room: string };
/** The connection behind a presence change or a client's publish. */
export type EventSource = { user: string; connectionId: string };
/** A client's publish, as the room hands it to its events. */
export type ClientSource = EventSource & { tenant: string };
/** What the room recorded for a client's publish: the frame exactly as subscribers got it. */
export type RecordedMessage = { seq: number; frame: string };
/** An event's identity: unique id (stable across retries), when it happened, epoch ms. */
export type EventStamp = { id: string; ts: number };

/** Room for the envelope and for the rest of `data` when a message frame rides inside an event. */
const EVENT_SLACK_BYTES = 2_000;

export const newEventId = (): string => `evt_${crypto.randomUUID().replaceAll("-", "")}`;

function envelope(type: WebhookEventType, where: EventRoom, stamp: EventStamp, dataJson: string): QueuedEvent {
  const head = JSON.stringify({ id: stamp.id, type, tenant: where.tenant, room: where.room, ts: stamp.ts });
  return { id: stamp.id, type, room: where.room, body: `${head.slice(0, -1)},"data":${dataJson}}` };
}

/** `room.occupied` / `room.vacated`, with the room's counter at this change. */
export function occupancyEvent(occupied: boolean, where: EventRoom, counter: number, stamp: EventStamp): QueuedEvent {
  return envelope(occupied ? "room.occupied" : "room.vacated", where, stamp, JSON.stringify({ counter }));
}

/** `presence.joined` / `presence.left` for a user's first / last connection. */
export function presenceEvent(
  joined: boolean,
  where: EventRoom,
  who: EventSource,
  counter: number,
  stamp: EventStamp,
): QueuedEvent {
  const data = JSON.stringify({ user: who.user, connectionId: who.connectionId, counter });
  return envelope(joined ? "presence.joined" : "presence.left", where, stamp, data);
}

/**
 * `message.published`: the frame spliced in as it was sent. A frame too large for a queue message
 * goes without it (`truncated: true`, with its `seq`): the receiver reads it from the room's history.
 */
export function messageEvent(where: EventRoom, who: EventSource, message: RecordedMessage, stamp: EventStamp) {
  const head = JSON.stringify({ user: who.user, connectionId: who.connectionId }).slice(0, -1);
  const fits = utf8ByteLength(message.frame) <= MAX_MESSAGE_EVENT_BYTES - EVENT_SLACK_BYTES;
  const data = fits ? `${head},"message":${message.frame}}` : `${head},"seq":${message.seq},"truncated":true}`;
  return envelope("message.published", where, stamp, data);
}

/** An endpoint's subscription, as the hub tells rooms (enabled endpoints only). */
export type Subscription = { events: readonly WebhookEventType[]; rooms?: readonly string[] | undefined };

/** The event types any of `subscriptions` wants from `room`. */
export function wantedIn(subscriptions: readonly Subscription[], room: string): WebhookEventType[] {
  const types = new Set<WebhookEventType>();
  for (const s of subscriptions) if (roomAllowed(s.rooms, room)) for (const t of s.events) types.add(t);
  return [...types].sort();
}
