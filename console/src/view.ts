// DOM building. Everything a frame carries is set as text, never as HTML: payloads, events and
// user ids are attacker-controlled input as far as this page is concerned.
import type { LiveMessageFrame } from "../../src/client/index.ts";

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

/** What each entry's Copy button copies, made only when it is pressed. */
const copyTexts = new WeakMap<HTMLElement, () => string>();

function copyButton(label: string): HTMLButtonElement {
  return h("button", { className: "copy secondary", text: "Copy", attrs: { type: "button", "aria-label": label } });
}

/**
 * A message frame: seq (or "live" for an ephemeral one, which has none), event, sender, time, a
 * Copy button (the frame as JSON), and the payload as indented JSON.
 */
export function messageEntry(m: LiveMessageFrame): HTMLLIElement {
  const seq = "ephemeral" in m ? "live" : String(m.seq);
  const label = "ephemeral" in m ? "live" : `#${m.seq}`;
  const li = h(
    "li",
    { className: "entry message", data: { kind: "message", seq, id: m.id } },
    h(
      "div",
      { className: "meta" },
      h("span", { className: "what mono", text: label }),
      h("span", { className: "event", text: m.event }),
      h("span", { className: "sender mono", text: `${m.sender.kind}:${m.sender.id}` }),
      time(m.ts),
      copyButton(`Copy message ${label}`),
    ),
    h("pre", { text: JSON.stringify(m.payload, null, 2) }),
  );
  copyTexts.set(li, () => JSON.stringify(m, null, 2));
  return li;
}

/**
 * Anything else worth seeing in order: welcome, presence, state changes, errors. `frame`: the
 * frame it shows, which Copy copies as JSON (else the line's text).
 */
export function noteEntry(
  kind: string,
  what: string,
  detail: string,
  data: Record<string, string> = {},
  frame?: object,
): HTMLLIElement {
  const li = h(
    "li",
    { className: `entry ${kind}`, data: { kind, ...data } },
    h(
      "div",
      { className: "meta" },
      h("span", { className: "what", text: what }),
      h("span", { text: detail }),
      time(Date.now()),
      copyButton(`Copy ${what}`),
    ),
  );
  copyTexts.set(li, () => (frame === undefined ? `${what}: ${detail}` : JSON.stringify(frame, null, 2)));
  return li;
}

const COPIED_FOR_MS = 1_500;

/** One listener per list: a Copy button puts its entry's text on the clipboard and says whether it could. */
export function copyOnClick(list: HTMLElement): void {
  list.addEventListener("click", (e) => {
    const button = e.target instanceof Element ? e.target.closest("button.copy") : null;
    const entry = button?.closest("li");
    const text = entry instanceof HTMLElement ? copyTexts.get(entry) : undefined;
    if (!(button instanceof HTMLButtonElement) || text === undefined) return;
    // The Clipboard API needs a secure context; http://127.0.0.1 and https pages are.
    const done = (label: string) => {
      button.textContent = label;
      setTimeout(() => {
        button.textContent = "Copy";
      }, COPIED_FOR_MS);
    };
    if (navigator.clipboard === undefined) done("Cannot copy here");
    else
      navigator.clipboard.writeText(text()).then(
        () => done("Copied"),
        () => done("Copy refused"),
      );
  });
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
