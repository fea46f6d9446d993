// The usage dashboard: a tenant admin key pasted into the page (kept in memory only) opens live
// figures, charts, the top rooms, refusals, one room's detail and its live tap, and the webhook
// endpoints with their failed deliveries.
import { AdminApi, ApiError, type Totals } from "./api.ts";
import { type Chart, lineChart } from "./charts.ts";
import { chartColumns, messagesOf, refusalRows, sumOf } from "./series.ts";
import { runTap } from "./tap.ts";
import { addTapped, byId, setText, showDetail, showRefusals, showRooms } from "./view.ts";
import { showWebhooks } from "./webhooks.ts";

/** Live figures, the hour chart and the rooms list: as often as the rooms list can change. */
const FAST_MS = 5_000;
const SLOW_MS = 60_000;
/** Endpoints and their failures: a call per endpoint, so less often than the figures. */
const HOOKS_MS = 30_000;
const TOP_ROOMS = 10;
const TAP_KEEP = 200;

type Session = { api: AdminApi; timers: number[]; week?: Totals; tap?: AbortController; detail?: string };
let session: Session | undefined;
let charts: { hour: Chart; week: Chart } | undefined;

const status = (text: string) => setText("status", text);
const describe = (err: unknown) => (err instanceof ApiError ? `${err.code}: ${err.message}` : String(err));

/** A refused key ends the session; anything else is shown and retried on the next tick. */
function failed(err: unknown): void {
  if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
    close(`key refused (${err.code})`);
    return;
  }
  status(`error: ${describe(err)}`);
}

async function refreshFast(s: Session): Promise<void> {
  const prefix = byId<HTMLInputElement>("rooms-prefix").value.trim();
  const [usage, rooms] = await Promise.all([s.api.usage("minute"), s.api.topRooms(prefix, TOP_ROOMS)]);
  if (session !== s) return;
  setText("now-connections", usage.live.connections);
  setText("now-rooms", usage.live.rooms);
  setText("now-messages", messagesOf(usage.totals.messages));
  setText("now-refusals", sumOf(usage.totals.refusals));
  setText("now-updated", `Updated ${new Date().toLocaleTimeString()}`);
  charts?.hour.update(chartColumns(usage.buckets));
  showRooms(rooms, (room) => void openRoom(s, room));
  showRefusals(refusalRows(usage.totals, s.week ?? usage.totals));
  if (s.detail !== undefined) await openRoom(s, s.detail);
  status("live");
}

async function refreshSlow(s: Session): Promise<void> {
  const week = await s.api.usage("hour");
  if (session !== s) return;
  s.week = week.totals;
  charts?.week.update(chartColumns(week.buckets));
}

async function refreshHooks(s: Session, note?: string): Promise<void> {
  if (session !== s) return;
  await showWebhooks(s.api, (next) => void refreshHooks(s, next).catch(failed), note);
}

async function openRoom(s: Session, room: string): Promise<void> {
  s.detail = room;
  const presence = s.api
    .presence(room)
    .catch((err: unknown) =>
      err instanceof ApiError && err.status === 403 ? "Presence needs a key with scope presence." : describe(err),
    );
  const [info, users] = await Promise.all([s.api.room(room), presence]);
  if (session !== s) return;
  showDetail(room, info, users);
  setText("detail-status", "Refreshed with the figures above.");
  byId("detail-tap").hidden = false;
  const tapRoom = byId<HTMLInputElement>("tap-room");
  if (s.tap === undefined) tapRoom.value = room;
}

function every(s: Session, ms: number, fn: (s: Session) => Promise<void>): void {
  const tick = () => fn(s).catch(failed);
  void tick();
  s.timers.push(window.setInterval(tick, ms));
}

function open(key: string): void {
  close("opening");
  const s: Session = { api: new AdminApi(key), timers: [] };
  session = s;
  byId("board").hidden = false;
  byId("key-forget").hidden = false;
  charts ??= { hour: lineChart(byId("chart-hour")), week: lineChart(byId("chart-week")) };
  every(s, FAST_MS, refreshFast);
  every(s, SLOW_MS, refreshSlow);
  every(s, HOOKS_MS, (s) => refreshHooks(s));
}

function close(reason: string): void {
  if (session !== undefined) {
    for (const t of session.timers) window.clearInterval(t);
    session.tap?.abort();
  }
  session = undefined;
  stopTap();
  byId("key-forget").hidden = true;
  status(reason);
}

function stopTap(): void {
  session?.tap?.abort();
  if (session !== undefined) delete session.tap;
  setText("tap-toggle", "Start");
}

async function startTap(s: Session, room: string): Promise<void> {
  const controller = new AbortController();
  s.tap = controller;
  setText("tap-toggle", "Stop");
  setText("tap-status", `Opening the tap of ${room}…`);
  try {
    await runTap(s.api, room, controller.signal, {
      ready: (seq) => setText("tap-status", `Tapping ${room} from seq ${seq}.`),
      message: (m) => addTapped(m, TAP_KEEP),
      end: (reason) => setText("tap-status", `The tap ended (${reason}).`),
    });
  } catch (err) {
    // Stopped, or replaced by a tap of another room (which says so itself).
    if (controller.signal.aborted) return s.tap === undefined ? setText("tap-status", "Stopped.") : undefined;
    const unserved = err instanceof ApiError && err.status === 404;
    setText("tap-status", unserved ? "This gateway does not serve the live tap." : `The tap failed: ${describe(err)}`);
  }
  if (s.tap === controller) stopTap();
}

byId<HTMLFormElement>("key-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const input = byId<HTMLInputElement>("key");
  const key = input.value.trim();
  // Out of the form at once: the key lives only in the session object from here on.
  input.value = "";
  if (key !== "") open(key);
});

byId("key-forget").addEventListener("click", () => {
  close("no key");
  byId("board").hidden = true;
});

byId<HTMLFormElement>("rooms-form").addEventListener("submit", (e) => {
  e.preventDefault();
  if (session !== undefined) refreshFast(session).catch(failed);
});

byId("detail-tap").addEventListener("click", () => {
  const room = session?.detail;
  if (session === undefined || room === undefined) return;
  stopTap();
  byId<HTMLInputElement>("tap-room").value = room;
  void startTap(session, room);
});

byId<HTMLFormElement>("tap-form").addEventListener("submit", (e) => {
  e.preventDefault();
  if (session === undefined) return;
  if (session.tap !== undefined) return stopTap();
  void startTap(session, byId<HTMLInputElement>("tap-room").value.trim());
});

byId("key").focus();
