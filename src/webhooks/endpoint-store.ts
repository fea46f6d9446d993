// The `endpoints` table of a tenant's webhook hub: SQL only, each function one statement or one
// synchronous step (the hub runs them inside its single-threaded object, so a count and an insert
// cannot interleave with another request).
import { z } from "zod";
import type { EndpointPatch } from "../protocol.ts";
import {
  type EndpointStatus,
  MAX_ENDPOINTS,
  PREVIOUS_SECRET_GRACE_MS,
  WEBHOOK_EVENT_TYPES,
  type WebhookEndpoint,
  type WebhookEventType,
} from "../wire.ts";

export const ENDPOINTS_SCHEMA = `CREATE TABLE IF NOT EXISTS endpoints (
  id TEXT PRIMARY KEY, url TEXT NOT NULL, events TEXT NOT NULL, rooms TEXT, status TEXT NOT NULL,
  disabled_reason TEXT, failing_since INTEGER, last_error TEXT, secret TEXT NOT NULL,
  previous_secret TEXT, previous_expires_at INTEGER, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL)`;

type Row = {
  id: string;
  url: string;
  events: string;
  rooms: string | null;
  status: string;
  disabled_reason: string | null;
  failing_since: number | null;
  last_error: string | null;
  secret: string;
  previous_secret: string | null;
  previous_expires_at: number | null;
  created_at: number;
  updated_at: number;
};

const eventsColumn = z.array(z.enum(WEBHOOK_EVENT_TYPES));
const roomsColumn = z.array(z.string()).nullable();
const statusColumn = z.enum(["enabled", "disabled"]);

/** What a new endpoint is stored with; `secret` is sealed (secret-box.ts). */
export type NewEndpoint = { id: string; url: string; events: WebhookEventType[]; rooms?: string[]; secret: string };

/** An endpoint as the consumer needs it: its sealed secrets, newest first, and its health. */
export type StoredTarget = {
  id: string;
  url: string;
  events: WebhookEventType[];
  rooms: string[] | undefined;
  status: EndpointStatus;
  failingSince: number | undefined;
  secrets: string[];
};

function view(r: Row, now: number): WebhookEndpoint {
  const e: WebhookEndpoint = {
    id: r.id,
    url: r.url,
    events: eventsColumn.parse(JSON.parse(r.events)),
    status: statusColumn.parse(r.status),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
  const rooms = roomsColumn.parse(JSON.parse(r.rooms ?? "null"));
  if (rooms !== null) e.rooms = rooms;
  if (r.disabled_reason !== null) e.disabledReason = r.disabled_reason;
  if (r.failing_since !== null) e.failingSince = r.failing_since;
  if (r.last_error !== null) e.lastError = r.last_error;
  if (r.previous_expires_at !== null && r.previous_expires_at > now) e.previousSecretExpiresAt = r.previous_expires_at;
  return e;
}

const all = (sql: SqlStorage) => sql.exec<Row>("SELECT * FROM endpoints ORDER BY created_at, id").toArray();
const one = (sql: SqlStorage, id: string) => sql.exec<Row>("SELECT * FROM endpoints WHERE id = ?", id).toArray()[0];

export const listEndpoints = (sql: SqlStorage, now: number) => all(sql).map((r) => view(r, now));

export function getEndpoint(sql: SqlStorage, id: string, now: number): WebhookEndpoint | undefined {
  const row = one(sql, id);
  return row && view(row, now);
}

/** Undefined when the tenant already has MAX_ENDPOINTS endpoints. */
export function insertEndpoint(sql: SqlStorage, e: NewEndpoint, now: number): WebhookEndpoint | undefined {
  const { n } = sql.exec<{ n: number }>("SELECT count(*) AS n FROM endpoints").one();
  if (n >= MAX_ENDPOINTS) return undefined;
  sql.exec(
    `INSERT INTO endpoints (id, url, events, rooms, status, secret, created_at, updated_at)
     VALUES (?, ?, ?, ?, 'enabled', ?, ?, ?)`,
    e.id,
    e.url,
    JSON.stringify(e.events),
    e.rooms === undefined ? null : JSON.stringify(e.rooms),
    e.secret,
    now,
    now,
  );
  return getEndpoint(sql, e.id, now);
}

/** Applies a PATCH; turning an endpoint back on forgets why it was off and how long it was failing. */
export function patchEndpoint(sql: SqlStorage, id: string, p: EndpointPatch, now: number): WebhookEndpoint | undefined {
  const row = one(sql, id);
  if (row === undefined) return undefined;
  const status = p.status ?? row.status;
  const turnedOn = p.status === "enabled" && row.status !== "enabled";
  const turnedOff = p.status === "disabled" && row.status !== "disabled";
  const rooms = p.rooms === undefined ? row.rooms : p.rooms === null ? null : JSON.stringify(p.rooms);
  sql.exec(
    `UPDATE endpoints SET url = ?, events = ?, rooms = ?, status = ?, disabled_reason = ?, failing_since = ?,
       last_error = ?, updated_at = ? WHERE id = ?`,
    p.url ?? row.url,
    p.events === undefined ? row.events : JSON.stringify(p.events),
    rooms,
    status,
    turnedOn ? null : turnedOff ? "disabled by PATCH" : row.disabled_reason,
    turnedOn ? null : row.failing_since,
    turnedOn ? null : row.last_error,
    now,
    id,
  );
  return getEndpoint(sql, id, now);
}

export function deleteEndpoint(sql: SqlStorage, id: string): boolean {
  return sql.exec("DELETE FROM endpoints WHERE id = ?", id).rowsWritten > 0;
}

/** The current secret becomes the previous one, which keeps signing for PREVIOUS_SECRET_GRACE_MS. */
export function rotateSecret(sql: SqlStorage, id: string, sealed: string, now: number): WebhookEndpoint | undefined {
  const changed = sql.exec(
    `UPDATE endpoints SET previous_secret = secret, previous_expires_at = ?, secret = ?, updated_at = ? WHERE id = ?`,
    now + PREVIOUS_SECRET_GRACE_MS,
    sealed,
    now,
    id,
  ).rowsWritten;
  return changed > 0 ? getEndpoint(sql, id, now) : undefined;
}

export function storedTargets(sql: SqlStorage, now: number): StoredTarget[] {
  return all(sql).map((r) => {
    const e = view(r, now);
    const previous = e.previousSecretExpiresAt !== undefined && r.previous_secret !== null ? [r.previous_secret] : [];
    return {
      id: e.id,
      url: e.url,
      events: e.events,
      rooms: e.rooms,
      status: e.status,
      failingSince: e.failingSince,
      secrets: [r.secret, ...previous],
    };
  });
}
