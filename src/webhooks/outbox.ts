// The webhook outbox an object keeps in its own SQLite (used by the room objects: an event is
// recorded in the same synchronous step as the state change it describes). Rows are handed to the
// queue in messages and stay until the consumer reports them settled; a row nobody reported on is
// handed over again when its lease ends, with a longer lease each time (a slow consumer must not
// be buried in copies). The consumer's report can also extend a lease while it retries.

import type { QueuedEvent, WebhookMessage } from "../protocol.ts";
import { utf8ByteLength } from "../utf8.ts";
import { MAX_EVENTS_PER_DELIVERY } from "../wire.ts";
import type { OutboxReport } from "./reports.ts";

export const OUTBOX_SCHEMA = `CREATE TABLE IF NOT EXISTS webhook_outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL, room TEXT NOT NULL,
  body TEXT NOT NULL, due_at INTEGER NOT NULL, handoffs INTEGER NOT NULL DEFAULT 0)`;

/**
 * The first lease after a hand-off (WEBHOOK_HANDOFF_LEASE_SECONDS's default); it doubles with each
 * further hand-off of the same row, up to the cap.
 */
export const HANDOFF_LEASE_MS = 60_000;
export const MAX_HANDOFF_LEASE_MS = 3_600_000;
/** Event bytes per queue message: a message may be 128 KB, envelope and metadata included. */
export const MAX_MESSAGE_EVENT_BYTES = 100_000;
/** A queue's sendBatch takes at most 100 messages and 256 KB. */
const MAX_SEND_BATCH_MESSAGES = 100;
const MAX_SEND_BATCH_BYTES = 200_000;

type Row = { seq: number; id: string; type: QueuedEvent["type"]; room: string; body: string; handoffs: number };

/** Records events to hand over; call it in the same synchronous step as the change they describe. */
export function recordEvents(sql: SqlStorage, events: readonly QueuedEvent[], now: number): void {
  for (const e of events)
    sql.exec(
      "INSERT OR IGNORE INTO webhook_outbox (id, type, room, body, due_at) VALUES (?, ?, ?, ?, ?)",
      e.id,
      e.type,
      e.room,
      e.body,
      now,
    );
}

const leaseFor = (handoffs: number, firstLeaseMs: number) =>
  Math.min(firstLeaseMs * 2 ** Math.min(handoffs, 20), MAX_HANDOFF_LEASE_MS);

/**
 * The rows due now, in order, as queue messages (at most `maxMessages`), each row's lease taken in
 * the same step: a concurrent call does not hand them over twice. If the send then fails, the rows
 * go out again when the lease ends.
 */
export function takeDue(
  sql: SqlStorage,
  tenant: string,
  origin: string,
  now: number,
  firstLeaseMs = HANDOFF_LEASE_MS,
  maxMessages = 100,
) {
  const rows = sql
    .exec<Row>(
      "SELECT seq, id, type, room, body, handoffs FROM webhook_outbox WHERE due_at <= ? ORDER BY seq LIMIT ?",
      now,
      maxMessages * MAX_EVENTS_PER_DELIVERY,
    )
    .toArray();
  const messages: WebhookMessage[] = [];
  let current: QueuedEvent[] = [];
  let bytes = 0;
  for (const r of rows) {
    const size = utf8ByteLength(r.body);
    if (current.length > 0 && (current.length >= MAX_EVENTS_PER_DELIVERY || bytes + size > MAX_MESSAGE_EVENT_BYTES)) {
      messages.push({ v: 1, tenant, origin, events: current, attempt: 0 });
      if (messages.length >= maxMessages) break;
      current = [];
      bytes = 0;
    }
    current.push({ id: r.id, type: r.type, room: r.room, body: r.body });
    bytes += size;
    sql.exec(
      "UPDATE webhook_outbox SET due_at = ?, handoffs = handoffs + 1 WHERE seq = ?",
      now + leaseFor(r.handoffs, firstLeaseMs),
      r.seq,
    );
  }
  if (current.length > 0 && messages.length < maxMessages)
    messages.push({ v: 1, tenant, origin, events: current, attempt: 0 });
  return messages;
}

/** Settled events are forgotten; retrying ones are not handed over again before `retryUntil`. */
export function applyReport(sql: SqlStorage, report: OutboxReport): void {
  for (const id of report.settled) sql.exec("DELETE FROM webhook_outbox WHERE id = ?", id);
  for (const id of report.retrying)
    sql.exec("UPDATE webhook_outbox SET due_at = max(due_at, ?) WHERE id = ?", report.retryUntil, id);
}

/** When the outbox next has something to hand over (for the object's alarm); undefined when empty. */
export function nextDue(sql: SqlStorage): number | undefined {
  return sql.exec<{ at: number | null }>("SELECT min(due_at) AS at FROM webhook_outbox").one().at ?? undefined;
}

/** Sends messages with as few sendBatch calls as the queue's limits allow. */
export async function sendAll(queue: Queue, messages: readonly WebhookMessage[]): Promise<void> {
  let batch: MessageSendRequest<WebhookMessage>[] = [];
  let bytes = 0;
  for (const body of messages) {
    const size = body.events.reduce((n, e) => n + utf8ByteLength(e.body), 0);
    if (batch.length >= MAX_SEND_BATCH_MESSAGES || (batch.length > 0 && bytes + size > MAX_SEND_BATCH_BYTES)) {
      await queue.sendBatch(batch);
      batch = [];
      bytes = 0;
    }
    batch.push({ body });
    bytes += size;
  }
  if (batch.length > 0) await queue.sendBatch(batch);
}
