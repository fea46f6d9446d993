// The start-up banner: working credentials and copy-paste commands. Pure: values in, text out.
import { SUBPROTOCOL } from "../../src/wire.ts";

export type BannerInput = {
  origin: string;
  devVarsFile: string;
  /** True when this start created the secrets file. */
  created: boolean;
  token?: { value: string; tenant: string; sub: string; scope: string; expires: Date } | undefined;
  /** Why no token was minted (no JWT_SECRET configured). */
  tokenUnavailable?: string | undefined;
  /** Only on the run that created it: afterwards only its hash exists. */
  apiKey?: { value: string; tenant: string; scopes: readonly string[] } | undefined;
  /** False when ALLOWED_ORIGINS is empty: the gateway then refuses every browser upgrade. */
  browserOriginsAllowed: boolean;
};

const ROOM = "lobby";

/** `/console#token=…&room=…`: the console connects on load. */
function consoleLink(origin: string, token: string, room: string): string {
  return `${origin}/console#${new URLSearchParams({ token, room })}`;
}

/** listen's --url when the gateway is not on its default address. */
function portFlag(origin: string): string {
  return origin === "http://127.0.0.1:8787" ? "" : ` --url ${origin}`;
}

export function banner(b: BannerInput): string {
  const ws = `${b.origin.replace(/^http/, "ws")}/v1/rooms/${ROOM}/ws`;
  const token = b.token?.value ?? "<token>";
  const lines = ["", `Broadcast gateway (local) -> ${b.origin}`, ""];
  if (b.created)
    lines.push(`Created ${b.devVarsFile} with fresh local secrets (git-ignored; delete it to start over).`, "");

  if (b.token !== undefined) {
    const t = b.token;
    lines.push(
      `User token (tenant "${t.tenant}", sub "${t.sub}", scope "${t.scope}", expires ${t.expires.toISOString()}):`,
      `  ${t.value}`,
      "",
      // The fragment (after #) never leaves the browser, so the token reaches no server log.
      "Console in the browser (the token rides in the #fragment, which is never sent to a server):",
      `  ${consoleLink(b.origin, t.value, ROOM)}`,
      "",
    );
  } else lines.push(`No user token: ${b.tokenUnavailable ?? "no JWT_SECRET"}.`, `Console: ${b.origin}/console`, "");

  // The curl example needs a publisher credential: the new API key, else the token (it has publish).
  let publisher = b.apiKey?.value;
  let publishNote = "";
  if (b.apiKey !== undefined) {
    lines.push(
      `API key (tenant "${b.apiKey.tenant}", scopes ${b.apiKey.scopes.join(", ")}); shown only now, only its hash is stored:`,
      `  ${b.apiKey.value}`,
      "",
    );
  } else {
    lines.push(
      `API keys: only their hashes are in ${b.devVarsFile}, so none can be shown. Make one (then restart):`,
      "  npm run create-api-key -- --tenant dev --dev",
      "",
    );
    publisher = b.token === undefined ? "<API key>" : token;
    publishNote = b.token === undefined ? "" : " (with the user token; an API key goes in the same header)";
  }

  lines.push(
    `Publish over HTTP${publishNote}:`,
    `  curl -X POST ${b.origin}/v1/rooms/${ROOM}/messages -H "Authorization: Bearer ${publisher}" -H "content-type: application/json" -d '{"event":"hello","payload":{"text":"hi"}}'`,
    "",
    // listen signs its own token from the dev vars file: nothing to copy, nothing to download.
    "Subscribe from a terminal (prints every message of the room):",
    `  npm run listen -- ${ROOM}${portFlag(b.origin)}`,
    "",
    "Subscribe from a browser page (the token rides in the subprotocol list, not the URL):",
    `  const ws = new WebSocket("${ws}", ["${SUBPROTOCOL}", "bearer." + "${token}"]);`,
    "  ws.onmessage = (e) => console.log(JSON.parse(e.data));",
  );
  // Browsers always send Origin on an upgrade, and the gateway checks it against ALLOWED_ORIGINS.
  if (!b.browserOriginsAllowed)
    lines.push(
      `  Pages on other origins (not the console) are refused until allowed: add ALLOWED_ORIGINS="http://localhost:5173"`,
      `  (comma list, your page's origin) to ${b.devVarsFile} and restart.`,
    );
  lines.push(
    "",
    "More credentials (-s keeps npm's own lines out of the captured token):",
    '  TOKEN=$(npm run -s mint-token -- --tenant dev --sub alice --scope "subscribe publish" --rooms "lobby,chat-*")',
    "  npm run create-api-key -- --tenant dev --scopes publish --dev",
    "",
  );
  return lines.join("\n");
}

/** The dev operator key, on the start that created it only (afterwards it is in the dev vars file). */
export function operatorKeyBanner(key: string | undefined, devVarsFile: string): string {
  if (key === undefined) return "";
  return [
    `Operator key (the operator API, /v1/operator/*; saved as OPERATOR_KEY in ${devVarsFile}):`,
    `  ${key}`,
    "  npm run operator -- tenants create acme   # then: npm run operator -- --help",
    "",
  ].join("\n");
}
