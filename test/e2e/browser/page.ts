// The browser test page: the SDK (bundled by esbuild) connects with the subprotocol token carrier.
// The test drives it through `window.harness` and reads what it recorded.
import { BroadcastClient } from "../../../src/client/index.ts";

type Config = { url: string; room: string; token: string };
type Entry = { kind: string; [k: string]: unknown };

/** Every socket the SDK opened, so the test can check what it offered and close one by force. */
const sockets: { ws: WebSocket; url: string; protocols: string[] }[] = [];

class RecordingWebSocket extends WebSocket {
  constructor(url: string, protocols: string[]) {
    super(url, protocols);
    sockets.push({ ws: this, url, protocols });
  }
}

const log: Entry[] = [];
let client: BroadcastClient | undefined;

const status = (text: string) => {
  const el = document.getElementById("status");
  if (el !== null) el.textContent = text;
};

const harness = {
  log,
  start(config: Config): void {
    client = new BroadcastClient({
      url: config.url,
      room: config.room,
      // Async on purpose: the provider may fetch a token from the app's backend.
      token: async () => config.token,
      WebSocket: RecordingWebSocket,
      // A retry delay of 0.9 * 1 s leaves room for a publish to land while the page is disconnected.
      backoff: { baseMs: 1_000, maxMs: 4_000 },
      random: () => 0.9,
    });
    client.on("state", (s) => {
      log.push({ kind: "state", state: s.state, code: s.error?.code, closeCode: s.error?.closeCode });
      status(s.state);
    });
    client.on("welcome", (w) => log.push({ kind: "welcome", seq: w.seq, recovered: w.recovered }));
    client.on("message", (m) => log.push({ kind: "message", id: m.id, seq: m.seq, payload: m.payload }));
    client.on("resync", (r) => log.push({ kind: "resync", reason: r.reason }));
    client.on("error", (e) => log.push({ kind: "error", code: e.code }));
    client.connect();
  },
  state: (): string => client?.state ?? "none",
  lastSeq: (): number | undefined => client?.lastSeq,
  /** What each socket offered: the test checks the carrier and the resume point. */
  sockets: () => sockets.map((s) => ({ url: s.url, protocols: s.protocols, protocol: s.ws.protocol })),
  /** Closes the current socket from the page side, as a network drop would; the SDK must recover. */
  dropSocket(): void {
    sockets.at(-1)?.ws.close(1000, "test drop");
  },
  close(): void {
    client?.close();
  },
};

Object.assign(window, { harness });
status("ready");
