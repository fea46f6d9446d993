// DOM building. Everything a frame carries is set as text, never as HTML: payloads, events and
// user ids are attacker-controlled input as far as this page is concerned.
import type { MessageFrame } from "../../src/client/index.ts";

/** Live log entries kept; older ones are removed so a busy room cannot grow the page without bound. */
export const MAX_LOG_ENTRIES = 500;

type Props = { className?: string; text?: string; data?: Record<string, string>; attrs?: Record<string, string> };

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Node[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.className !== undefined) el.className = props.className;
  if (props.text !== undefined) el.textContent = props.text;
  for (const [k, v] of Object.entries(props.data ?? {})) el.dataset[k] = v;
  for (const [k, v] of Object.entries(props.attrs ?? {})) el.setAttribute(k, v);
  el.append(...children);
  return el;
}

export function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const el = document.getElementById(id);
  if (!(el instanceof type)) throw new Error(`the console page has no #${id}`);
  return el;
}

function time(ms: number): HTMLTimeElement {
  const d = new Date(ms);
  const text = `${d.toLocaleTimeString([], { hour12: false })}.${String(d.getMilliseconds()).padStart(3, "0")}`;
  return h("time", { text, attrs: { datetime: d.toISOString() } });
}

/** A message frame: seq, event, sender, time, and the payload as indented JSON. */
export function messageEntry(m: MessageFrame): HTMLLIElement {
  return h(
    "li",
    { className: "entry message", data: { kind: "message", seq: String(m.seq), id: m.id } },
    h(
      "div",
      { className: "meta" },
      h("span", { className: "what mono", text: `#${m.seq}` }),
      h("span", { className: "event", text: m.event }),
      h("span", { className: "sender mono", text: `${m.sender.kind}:${m.sender.id}` }),
      time(m.ts),
    ),
    h("pre", { text: JSON.stringify(m.payload, null, 2) }),
  );
}

/** Anything else worth seeing in order: welcome, presence, state changes, errors. */
export function noteEntry(kind: string, what: string, detail: string, data: Record<string, string> = {}) {
  return h(
    "li",
    { className: `entry ${kind}`, data: { kind, ...data } },
    h(
      "div",
      { className: "meta" },
      h("span", { className: "what", text: what }),
      h("span", { text: detail }),
      time(Date.now()),
    ),
  );
}

/** Prepends (newest first) and trims the oldest beyond `max`. */
export function prependBounded(list: HTMLElement, entry: HTMLElement, max = MAX_LOG_ENTRIES): void {
  list.prepend(entry);
  while (list.children.length > max) list.lastElementChild?.remove();
}

export function showResult(el: HTMLElement, text: string, ok: boolean): void {
  el.textContent = text;
  el.classList.toggle("good", ok);
  el.classList.toggle("bad", !ok);
}
