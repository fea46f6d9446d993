// The webhooks panel: each endpoint with its status and its recent failed deliveries, each with a
// button that queues it again. Text only, never HTML from an answer.
import type { AdminApi, Endpoint, Failure } from "./api.ts";
import { byId, setText } from "./view.ts";

/** Failed deliveries shown per endpoint (the gateway keeps up to 100). */
const RECENT = 5;

const when = (ms: number) => new Date(ms).toLocaleString();

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text = ""): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  e.className = className;
  e.textContent = text;
  return e;
}

/** "enabled", "failing since …" or "disabled (why)". */
export function statusOf(e: Endpoint): { text: string; tone: "ok" | "warn" | "bad" } {
  if (e.status === "disabled")
    return { text: `disabled${e.disabledReason ? ` (${e.disabledReason})` : ""}`, tone: "bad" };
  if (e.failingSince !== undefined) return { text: `failing since ${when(e.failingSince)}`, tone: "warn" };
  return { text: "enabled", tone: "ok" };
}

/** Draws the panel again, then says `note` in its status line. */
type Refresh = (note?: string) => void;

function failureItem(api: AdminApi, endpoint: Endpoint, f: Failure, refresh: Refresh): HTMLLIElement {
  const li = el("li", "failure");
  li.dataset.delivery = f.id;
  const meta = el("p", "meta");
  meta.append(
    el("span", "time", when(f.lastAttemptAt)),
    el("span", "", `${f.attempts} attempt(s)`),
    el("span", "", `${f.eventIds.length} event(s)`),
  );
  const error = el("p", "error mono", f.lastError);
  const button = el("button", "secondary", "Redeliver");
  button.type = "button";
  const result = el("span", "result");
  result.setAttribute("role", "status");
  button.addEventListener("click", () => {
    button.disabled = true;
    result.textContent = "queueing…";
    api.redeliver(endpoint.id, f.id).then(
      () => {
        result.textContent = "queued";
        refresh(`Delivery ${f.id} queued again; it leaves the list once delivered.`);
      },
      (err: unknown) => {
        button.disabled = false;
        result.textContent = `failed: ${err instanceof Error ? err.message : String(err)}`;
      },
    );
  });
  const actions = el("p", "actions");
  actions.append(button, result);
  li.append(meta, error, actions);
  return li;
}

function endpointItem(api: AdminApi, e: Endpoint, failures: Failure[], refresh: Refresh): HTMLLIElement {
  const li = el("li", "endpoint");
  li.dataset.endpoint = e.id;
  const status = statusOf(e);
  const head = el("p", "head");
  head.append(el("span", "url mono", e.url), el("span", `badge ${status.tone}`, status.text));
  const scope = el("p", "hint", `${e.events.join(", ")} · ${e.rooms ? `rooms ${e.rooms.join(", ")}` : "every room"}`);
  li.append(head, scope);
  if (e.lastError !== undefined && e.failingSince !== undefined) li.append(el("p", "error mono", e.lastError));
  const list = el("ul", "failures");
  list.append(...failures.slice(0, RECENT).map((f) => failureItem(api, e, f, refresh)));
  const summary =
    failures.length === 0 ? "No failed deliveries." : `${failures.length} failed deliveries, newest first:`;
  li.append(el("p", "hint", summary), list);
  return li;
}

/** Reads every endpoint and its failures, then draws the panel; `note` replaces the time it was updated. */
export async function showWebhooks(api: AdminApi, refresh: Refresh, note?: string): Promise<void> {
  const endpoints = await api.webhooks();
  const failures = await Promise.all(endpoints.map((e) => api.failures(e.id)));
  const list = byId("webhooks-list");
  list.replaceChildren(...endpoints.map((e, i) => endpointItem(api, e, failures[i] ?? [], refresh)));
  setText(
    "webhooks-status",
    note ?? (endpoints.length === 0 ? "No webhook endpoints." : `Updated ${new Date().toLocaleTimeString()}.`),
  );
}
