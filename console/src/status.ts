// What the page says about the connection: its state, why it failed or waits (in plain words, with
// the field to fix focused), and whether the Connect form shows.
import type { ClientState, StateChange } from "../../src/client/index.ts";
import { explain, type Where } from "./reasons.ts";

/** States in which a connection is wanted: Disconnect, not Connect. */
export const ACTIVE: readonly ClientState[] = ["connecting", "connected", "reconnecting"];

export type StatusUi = {
  state: HTMLElement;
  problem: HTMLElement;
  connectSection: HTMLElement;
  token: HTMLTextAreaElement;
  room: HTMLInputElement;
};

export function stateText(s: StateChange): string {
  if (s.state === "reconnecting") return `reconnecting in ${s.delayMs ?? 0} ms (attempt ${s.attempt ?? 1})`;
  if (s.state === "failed") return `failed: ${s.error?.code ?? "unknown"}`;
  return s.state;
}

/** Shows a state change; returns the state's text. */
export function showState(ui: StatusUi, s: StateChange, where: Where): string {
  const text = stateText(s);
  ui.state.textContent = text;
  // Hidden while a connection is wanted, so a phone shows the live frames first; it comes back to
  // take a new token or room.
  ui.connectSection.hidden = ACTIVE.includes(s.state);
  showProblem(ui, s, where);
  return text;
}

/** Says why the client failed or waits, until it connects or is closed; points at the field to fix. */
function showProblem(ui: StatusUi, s: StateChange, where: Where): void {
  if (s.state === "connected" || s.state === "closed") ui.problem.hidden = true;
  if (s.error === undefined || (s.state !== "failed" && s.state !== "reconnecting")) return;
  const problem = explain(s.error, where);
  ui.problem.textContent = problem.text;
  ui.problem.hidden = false;
  if (s.state !== "failed" || problem.fix === "none") return;
  const field = problem.fix === "token" ? ui.token : ui.room;
  field.setAttribute("aria-invalid", "true");
  // Selected, so that a paste replaces the refused value.
  field.focus();
  field.select();
}
