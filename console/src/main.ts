// The console page (/console): read the fragment, fill the form, connect when a token is there.
import { fragmentWithoutToken, readFragment } from "./fragment.ts";
import { LiveLog } from "./live-log.ts";
import { ConsoleSession, type Ui } from "./session.ts";
import { byId, copyOnClick } from "./view.ts";

const connectForm = byId("connect-form", HTMLFormElement);
const tokenInput = byId("token", HTMLTextAreaElement);
const roomInput = byId("room", HTMLInputElement);

const ui: Ui = {
  state: byId("state", HTMLElement),
  problem: byId("problem", HTMLElement),
  connectSection: byId("connect-section", HTMLElement),
  token: tokenInput,
  room: roomInput,
  session: byId("session", HTMLElement),
  sessionRoom: byId("session-room", HTMLElement),
  user: byId("user", HTMLElement),
  scopes: byId("scopes", HTMLElement),
  connectionId: byId("connection-id", HTMLElement),
  welcomeSeq: byId("welcome-seq", HTMLElement),
  recovered: byId("recovered", HTMLElement),
  toggle: byId("toggle", HTMLButtonElement),
  drop: byId("drop", HTMLButtonElement),
  live: new LiveLog({
    list: byId("frames", HTMLOListElement),
    pause: byId("pause", HTMLButtonElement),
    clear: byId("clear", HTMLButtonElement),
    filter: byId("frames-filter", HTMLInputElement),
    count: byId("frames-count", HTMLElement),
  }),
  publishSection: byId("publish-section", HTMLElement),
  publishForm: byId("publish-form", HTMLFormElement),
  event: byId("event", HTMLInputElement),
  payload: byId("payload", HTMLTextAreaElement),
  publishResult: byId("publish-result", HTMLElement),
  presenceSection: byId("presence-section", HTMLElement),
  presenceSummary: byId("presence-summary", HTMLElement),
  presenceUsers: byId("presence-users", HTMLUListElement),
  historySection: byId("history-section", HTMLElement),
  historyLoad: byId("history-load", HTMLButtonElement),
  historyStatus: byId("history-status", HTMLElement),
  history: byId("history", HTMLOListElement),
};
copyOnClick(ui.history);

let session: ConsoleSession | undefined;

function start(): void {
  session?.dispose();
  session = new ConsoleSession(ui, { origin: location.origin, room: roomInput.value, token: tokenInput.value.trim() });
}

connectForm.addEventListener("submit", (e) => {
  e.preventDefault();
  if (connectForm.reportValidity()) start();
});

const params = readFragment(location.hash);
if (params.room !== undefined) roomInput.value = params.room;
if (params.token !== undefined) {
  tokenInput.value = params.token;
  history.replaceState(null, "", `${location.pathname}${location.search}${fragmentWithoutToken(location.hash)}`);
  if (connectForm.checkValidity()) start();
  else connectForm.reportValidity();
} else tokenInput.focus();
