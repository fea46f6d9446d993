// Server frames, checked field by field. The gateway's zod schemas stay server-side so that the
// browser bundle carries no validator library; these guards accept exactly the shapes in
// src/wire.ts and ignore extra fields.
import type { LiveMessageFrame, ServerFrame } from "../wire.ts";

/** `unknown`: a well-formed frame of a type this client does not know (a newer gateway); skipped. */
export type ParsedFrame = { ok: true; frame: ServerFrame } | { ok: false; reason: string } | { ok: "unknown" };

type Fields = Record<string, unknown>;

const isObject = (v: unknown): v is Fields => typeof v === "object" && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === "string";
const isSeq = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
const isRef = (v: unknown): v is string | number =>
  typeof v === "string" || (typeof v === "number" && Number.isInteger(v));
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);
const isTags = (v: unknown) => isObject(v) && Object.values(v).every(isString);

function isSender(v: unknown): v is LiveMessageFrame["sender"] {
  return isObject(v) && (v.kind === "user" || v.kind === "api_key") && isString(v.id);
}

/** A stored message has a seq; an ephemeral one (`"ephemeral": true`) has none. */
const isMessage = (f: Fields) =>
  isString(f.id) &&
  (f.ephemeral === true ? f.seq === undefined : isSeq(f.seq)) &&
  isString(f.room) &&
  isString(f.event) &&
  (f.tags === undefined || isTags(f.tags)) &&
  "payload" in f &&
  isSender(f.sender) &&
  typeof f.ts === "number";

const CHECKS: Record<string, (f: Fields) => boolean> = {
  welcome: (f) =>
    isString(f.connectionId) &&
    isString(f.room) &&
    isString(f.user) &&
    isSeq(f.seq) &&
    (f.recovered === undefined || typeof f.recovered === "boolean"),
  message: isMessage,
  // Each element exactly a message frame: one bad element makes the whole frame malformed.
  batch: (f) =>
    Array.isArray(f.messages) && f.messages.every((m) => isObject(m) && m.type === "message" && isMessage(m)),
  filtered: (f) =>
    isStringArray(f.events) && isObject(f.tags) && Object.values(f.tags).every((values) => isStringArray(values)),
  ack: (f) =>
    isRef(f.ref) &&
    isString(f.id) &&
    (f.ephemeral === true ? f.seq === undefined : isSeq(f.seq)) &&
    typeof f.delivered === "number",
  error: (f) =>
    isString(f.code) &&
    isString(f.message) &&
    (f.ref === undefined || isRef(f.ref)) &&
    (f.retryAfter === undefined || (typeof f.retryAfter === "number" && f.retryAfter >= 0)),
  refreshed: (f) => typeof f.exp === "number",
  presence: (f) =>
    (f.action === "join" || f.action === "leave" || f.action === "update") &&
    isString(f.user) &&
    isString(f.connectionId) &&
    (f.info === undefined || isObject(f.info)),
  pong: () => true,
};

export function parseServerFrame(data: unknown): ParsedFrame {
  if (typeof data !== "string") return { ok: false, reason: "binary frame" };
  let raw: unknown;
  try {
    raw = JSON.parse(data);
  } catch {
    return { ok: false, reason: "frame is not JSON" };
  }
  return checkServerFrame(raw);
}

/** Checks an already parsed frame, e.g. one of the `messages` of a history page (frames as sent). */
export function checkServerFrame(raw: unknown): ParsedFrame {
  if (!isObject(raw) || !isString(raw.type)) return { ok: false, reason: "frame has no type" };
  const check = CHECKS[raw.type];
  if (check === undefined) return { ok: "unknown" };
  if (!check(raw)) return { ok: false, reason: `malformed ${raw.type} frame` };
  // Every field the type names was checked above.
  return { ok: true, frame: raw as ServerFrame };
}
