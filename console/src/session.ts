// One connection of the console: an SDK client for one room and token, wired to the page. A new
// Connect disposes of the old session and starts another.
import { BroadcastClient, type StateChange } from "../../src/client/index.ts";
import { ApiError, nextSince, RoomApi } from "./api.ts";
import { type Droppable, droppableWebSocket } from "./droppable.ts";
import type { LiveLog } from "./live-log.ts";
import type { Where } from "./reasons.ts";
import { tokenFacts } from "./scopes.ts";
import { ACTIVE, type StatusUi, showState } from "./status.ts";
import { h, messageEntry, noteEntry, showResult } from "./view.ts";

const HISTORY_PAGE_SIZE = 50;
/** Presence frames come in bursts (a page of tabs opening): one snapshot per burst is enough. */
const PRESENCE_REFRESH_DELAY_MS = 250;

export type Ui = StatusUi & {
  session: HTMLElement;
  sessionRoom: HTMLElement;
  user: HTMLElement;
  scopes: HTMLElement;
  connectionId: HTMLElement;
  welcomeSeq: HTMLElement;
  recovered: HTMLElement;
  toggle: HTMLButtonElement;
  drop: HTMLButtonElement;
  live: LiveLog;
  publishSection: HTMLElement;
  publishForm: HTMLFormElement;
  event: HTMLInputElement;
  payload: HTMLTextAreaElement;
  publishResult: HTMLElement;
  presenceSection: HTMLElement;
  presenceSummary: HTMLElement;
  presenceUsers: HTMLUListElement;
  historySection: HTMLElement;
  historyLoad: HTMLButtonElement;
  historyStatus: HTMLElement;
  history: HTMLOListElement;
};

export type Target = Where & { token: string };

export class ConsoleSession {
  private readonly client: BroadcastClient;
  private readonly api: RoomApi;
  private readonly socket: Droppable = droppableWebSocket();
  private readonly presence: boolean;
  private historySince: number | undefined = 0;
  private presenceTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners = new AbortController();
  private readonly ui: Ui;
  private readonly target: Target;

  constructor(ui: Ui, target: Target) {
    this.ui = ui;
    this.target = target;
    const facts = tokenFacts(target.token);
    this.presence = facts.scopes.includes("presence");
    this.api = new RoomApi(target.origin, target.room, target.token);
    this.client = new BroadcastClient({
      url: target.origin,
      room: target.room,
      // A fixed token, not a provider: when it expires or is refused the console stops and says so.
      token: target.token,
      WebSocket: this.socket.WebSocket,
      presence: this.presence,
    });
    this.reset(facts.sub, facts.tenant, facts.scopes);
    this.follow();
    this.wire();
    this.client.connect();
  }

  dispose(): void {
    this.listeners.abort();
    clearTimeout(this.presenceTimer);
    this.client.close();
  }

  /** Everything the client emits goes to the live list; some of it to the panels too. */
  private follow(): void {
    const ui = this.ui;
    this.client.on("state", (s) => this.onState(s));
    this.client.on("welcome", (w) => {
      ui.connectionId.textContent = w.connectionId;
      ui.welcomeSeq.textContent = String(w.seq);
      ui.recovered.textContent = w.recovered === undefined ? "– (first connection)" : String(w.recovered);
      const resumed = w.recovered === undefined ? "" : `, recovered ${w.recovered}`;
      this.log(
        noteEntry(
          "welcome",
          "welcome",
          `connection ${w.connectionId}, seq ${w.seq}${resumed}`,
          { recovered: String(w.recovered ?? "") },
          w,
        ),
      );
      if (this.presence) this.refreshPresenceSoon();
    });
    this.client.on("message", (m) => this.log(messageEntry(m)));
    this.client.on("ephemeral", (m) => this.log(messageEntry(m)));
    this.client.on("presence", (p) => {
      this.log(
        noteEntry(
          "presence",
          `presence ${p.action}`,
          `${p.user} (connection ${p.connectionId})`,
          { action: p.action, user: p.user },
          p,
        ),
      );
      this.refreshPresenceSoon();
    });
    this.client.on("resync", (r) =>
      this.log(
        noteEntry("resync", "resync", `${r.reason}: messages ${r.from + 1}–${r.to} may be missing; load history`),
      ),
    );
    this.client.on("error", (e) => this.log(noteEntry("error", `error ${e.code}`, e.message)));
  }

  private log(entry: HTMLElement): void {
    this.ui.live.add(entry);
  }

  private reset(sub: string | undefined, tenant: string | undefined, scopes: string[]): void {
    const ui = this.ui;
    ui.session.hidden = false;
    ui.historySection.hidden = false;
    ui.sessionRoom.textContent = this.target.room;
    ui.problem.hidden = true;
    ui.problem.textContent = "";
    for (const input of [ui.token, ui.room]) input.removeAttribute("aria-invalid");
    ui.user.textContent = sub === undefined ? "–" : `${sub} (tenant ${tenant ?? "?"})`;
    ui.scopes.textContent = scopes.join(" ");
    for (const el of [ui.connectionId, ui.welcomeSeq, ui.recovered]) el.textContent = "–";
    ui.live.clear();
    ui.history.replaceChildren();
    ui.historyStatus.textContent = "";
    ui.historyLoad.disabled = false;
    ui.historyLoad.textContent = "Load history";
    ui.publishSection.hidden = !scopes.includes("publish");
    ui.publishResult.textContent = "";
    ui.presenceSection.hidden = !this.presence;
    ui.presenceSummary.textContent = "–";
    ui.presenceUsers.replaceChildren();
  }

  private wire(): void {
    const ui = this.ui;
    const signal = this.listeners.signal;
    ui.toggle.addEventListener(
      "click",
      () => (ACTIVE.includes(this.client.state) ? this.client.close() : this.client.connect()),
      { signal },
    );
    ui.drop.addEventListener("click", () => this.socket.drop(), { signal });
    ui.publishForm.addEventListener("submit", (e) => this.publish(e), { signal });
    ui.historyLoad.addEventListener("click", () => void this.loadHistory(), { signal });
  }

  private onState(s: StateChange): void {
    const text = showState(this.ui, s, this.target);
    this.ui.toggle.textContent = ACTIVE.includes(s.state) ? "Disconnect" : "Reconnect";
    this.ui.drop.disabled = s.state !== "connected";
    this.log(noteEntry("state", "state", text, { state: s.state }));
  }

  private publish(e: SubmitEvent): void {
    e.preventDefault();
    const ui = this.ui;
    let payload: unknown;
    try {
      payload = JSON.parse(ui.payload.value);
      ui.payload.removeAttribute("aria-invalid");
    } catch {
      ui.payload.setAttribute("aria-invalid", "true");
      showResult(ui.publishResult, "The payload is not valid JSON.", false);
      return;
    }
    showResult(ui.publishResult, "Publishing…", true);
    this.client.publish(ui.event.value, payload).then(
      (ack) => {
        const as = "seq" in ack ? `as #${ack.seq}` : "live only";
        showResult(ui.publishResult, `Published ${as}, delivered to ${ack.delivered} socket(s).`, true);
      },
      (err: unknown) => showResult(ui.publishResult, `Refused: ${describe(err)}`, false),
    );
  }

  private async loadHistory(): Promise<void> {
    const ui = this.ui;
    const since = this.historySince;
    if (since === undefined) return;
    ui.historyLoad.disabled = true;
    try {
      const page = await this.api.history(since, HISTORY_PAGE_SIZE);
      for (const m of page.messages) ui.history.append(messageEntry(m));
      this.historySince = nextSince(page);
      const shown = ui.history.children.length;
      ui.historyStatus.textContent = `${shown} message(s) shown; the room is at seq ${page.seq}.`;
      ui.historyLoad.textContent = this.historySince === undefined ? "All history loaded" : "Load more";
      ui.historyLoad.disabled = this.historySince === undefined;
    } catch (err) {
      showResult(ui.historyStatus, `Could not load history: ${describe(err)}`, false);
      ui.historyLoad.disabled = false;
    }
  }

  private refreshPresenceSoon(): void {
    clearTimeout(this.presenceTimer);
    this.presenceTimer = setTimeout(() => void this.refreshPresence(), PRESENCE_REFRESH_DELAY_MS);
  }

  private async refreshPresence(): Promise<void> {
    const ui = this.ui;
    try {
      const p = await this.api.presence();
      ui.presenceSummary.textContent = `${p.connections} connection(s), ${p.users.length} user(s)`;
      ui.presenceUsers.replaceChildren(
        ...p.users.map((u) => h("li", { text: `${u.id} (${u.connections})`, data: { user: u.id } })),
      );
    } catch (err) {
      showResult(ui.presenceSummary, `Could not load presence: ${describe(err)}`, false);
    }
  }
}

function describe(err: unknown): string {
  if (err instanceof ApiError) return `${err.code}: ${err.message}`;
  if (err instanceof Error && "code" in err && typeof err.code === "string") return `${err.code}: ${err.message}`;
  return String(err);
}
