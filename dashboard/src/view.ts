// Writing into the page: text only (never HTML from an answer), one function per panel.
import type { Presence, RoomEntry, RoomInfo } from "./api.ts";
import type { TapMessage } from "./tap.ts";

export const byId = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`the page has no #${id}`);
  return el as T;
};

export const setText = (id: string, text: string | number) => {
  byId(id).textContent = String(text);
};

function cell(row: HTMLTableRowElement, text: string | number, header = false): HTMLTableCellElement {
  const c = document.createElement(header ? "th" : "td");
  if (header) c.scope = "row";
  c.textContent = String(text);
  row.append(c);
  return c;
}

/** The rooms table; a room's name is a button that opens its detail. */
export function showRooms(rooms: readonly RoomEntry[], open: (room: string) => void): void {
  const body = byId("rooms-body");
  if (rooms.length === 0) {
    body.replaceChildren(emptyRow(4, "No room holds sockets now."));
    return;
  }
  body.replaceChildren(
    ...rooms.map((r) => {
      const row = document.createElement("tr");
      row.dataset.room = r.room;
      const name = cell(row, "", true);
      const button = document.createElement("button");
      button.type = "button";
      button.className = "link mono";
      button.textContent = r.room;
      button.addEventListener("click", () => open(r.room));
      name.append(button);
      cell(row, r.connections);
      cell(row, r.users);
      cell(row, r.shards);
      return row;
    }),
  );
}

/** One row across the table saying it is empty. */
function emptyRow(columns: number, text: string): HTMLTableRowElement {
  const row = document.createElement("tr");
  const c = cell(row, text);
  c.colSpan = columns;
  c.className = "empty";
  return row;
}

export function showRefusals(rows: readonly [string, number, number][]): void {
  const body = byId("refusals-body");
  if (rows.length === 0) {
    body.replaceChildren(emptyRow(3, "No refusals this week."));
    return;
  }
  body.replaceChildren(
    ...rows.map(([code, hour, week]) => {
      const row = document.createElement("tr");
      row.dataset.code = code;
      cell(row, code, true).classList.add("mono");
      cell(row, hour);
      cell(row, week);
      return row;
    }),
  );
}

export function showDetail(room: string, info: RoomInfo, presence: Presence | string): void {
  setText("detail-room", room);
  setText("detail-seq", info.seq);
  setText("detail-connections", info.connections);
  setText("detail-shards", info.shards.map((s) => `#${s.shard}: ${s.connections}`).join(", ") || "none");
  const users = byId("detail-users");
  if (typeof presence === "string") {
    const li = document.createElement("li");
    li.textContent = presence;
    users.replaceChildren(li);
    return;
  }
  users.replaceChildren(
    ...presence.users.map((u) => {
      const li = document.createElement("li");
      li.dataset.user = u.id;
      li.textContent = `${u.id} — ${u.connections} connection(s)`;
      return li;
    }),
  );
}

const clock = (ts: number) => new Date(ts).toISOString().slice(11, 23);

function recipients(m: TapMessage): string {
  const to = [...(m.to?.users ?? []).map((u) => `user:${u}`), ...(m.to?.connections ?? []).map((c) => `conn:${c}`)];
  const except = (m.exclude?.connections ?? []).map((c) => `conn:${c}`);
  return [to.length > 0 ? `to ${to.join(", ")}` : "to everyone", except.length > 0 ? `except ${except.join(", ")}` : ""]
    .filter(Boolean)
    .join(" ");
}

/** Prepends one tapped message (newest first), keeping at most `keep`. */
export function addTapped(m: TapMessage, keep: number): void {
  const log = byId("tap-log");
  const li = document.createElement("li");
  li.dataset.seq = m.seq === undefined ? "" : String(m.seq);
  li.dataset.targeted = String(m.to !== undefined);
  const meta = document.createElement("div");
  meta.className = "meta";
  for (const [cls, text] of [
    ["seq", m.seq === undefined ? "ephemeral" : `#${m.seq}`],
    ["event", m.event],
    ["sender", `${m.sender.kind}:${m.sender.id}`],
    ["time", clock(m.ts)],
  ]) {
    const span = document.createElement("span");
    span.className = cls ?? "";
    span.textContent = text ?? "";
    meta.append(span);
  }
  const to = document.createElement("p");
  to.className = "recipients";
  to.textContent = recipients(m);
  const payload = document.createElement("pre");
  payload.textContent = JSON.stringify(m.payload, null, 2);
  li.append(meta, to, payload);
  log.prepend(li);
  while (log.children.length > keep) log.lastElementChild?.remove();
}
