// The live frames list: newest first and bounded, with Pause (new frames wait, counted, and are
// shown on Resume), Clear, and a filter over each entry's text (event, sender, payload, state).
import { countText, matchesFilter } from "./live-filter.ts";
import { copyOnClick, MAX_LOG_ENTRIES, prependBounded } from "./view.ts";

export type LiveLogUi = {
  list: HTMLOListElement;
  pause: HTMLButtonElement;
  clear: HTMLButtonElement;
  filter: HTMLInputElement;
  count: HTMLElement;
};

/** An entry's words, without its Copy button's label. */
function entryText(entry: HTMLElement): string {
  return Array.from(entry.querySelectorAll(".meta > :not(button), pre"), (e) => e.textContent ?? "").join(" ");
}

export class LiveLog {
  private readonly ui: LiveLogUi;
  /** Entries that arrived while paused, oldest first; undefined while live. */
  private waiting: HTMLElement[] | undefined;

  constructor(ui: LiveLogUi) {
    this.ui = ui;
    copyOnClick(ui.list);
    ui.pause.addEventListener("click", () => (this.waiting === undefined ? this.pause() : this.resume()));
    ui.clear.addEventListener("click", () => this.clear());
    ui.filter.addEventListener("input", () => this.refilter());
  }

  add(entry: HTMLElement): void {
    if (this.waiting === undefined) this.show(entry);
    else {
      this.waiting.push(entry);
      if (this.waiting.length > MAX_LOG_ENTRIES) this.waiting.shift();
    }
    this.recount();
  }

  /** Empties the list and what waits; pause and filter stay as they are. */
  clear(): void {
    this.ui.list.replaceChildren();
    if (this.waiting !== undefined) this.waiting = [];
    this.recount();
  }

  private pause(): void {
    this.waiting = [];
    this.ui.pause.textContent = "Resume";
    this.ui.pause.setAttribute("aria-pressed", "true");
    this.recount();
  }

  private resume(): void {
    const waiting = this.waiting ?? [];
    this.waiting = undefined;
    this.ui.pause.textContent = "Pause";
    this.ui.pause.setAttribute("aria-pressed", "false");
    for (const entry of waiting) this.show(entry);
    this.recount();
  }

  private show(entry: HTMLElement): void {
    entry.hidden = !matchesFilter(entryText(entry), this.ui.filter.value.trim());
    prependBounded(this.ui.list, entry);
  }

  private refilter(): void {
    const query = this.ui.filter.value.trim();
    for (const entry of this.entries()) entry.hidden = !matchesFilter(entryText(entry), query);
    this.recount();
  }

  private entries(): HTMLElement[] {
    return Array.from(this.ui.list.children).filter((e): e is HTMLElement => e instanceof HTMLElement);
  }

  private recount(): void {
    const entries = this.entries();
    const shown = entries.filter((e) => !e.hidden).length;
    this.ui.count.textContent = countText(
      this.waiting?.length,
      shown,
      entries.length,
      this.ui.filter.value.trim() !== "",
    );
  }
}
