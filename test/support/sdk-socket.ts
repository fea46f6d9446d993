// The client SDK's WebSocket inside workerd: the upgrade goes to the Worker in-process, and a test
// may cut the connection at a frame of its choice, as a network would, to force a reconnect.
import { exports } from "cloudflare:workers";
import type { SocketCloseEvent, SocketMessageEvent, WebSocketLike } from "../../src/client/transport.ts";

type Listeners = {
  open: (() => void)[];
  message: ((e: SocketMessageEvent) => void)[];
  close: ((e: SocketCloseEvent) => void)[];
  error: ((e: unknown) => void)[];
};

/** Decides, for each frame the gateway sends, whether the connection dies instead of delivering it. */
export type Cut = (frame: string) => boolean;

export class InProcessSocket implements WebSocketLike {
  /** Set by a test; every socket opened from then on consults it. */
  static cut: Cut = () => false;
  static opened = 0;
  readyState = 0;
  private ws: WebSocket | undefined;
  private readonly listeners: Listeners = { open: [], message: [], close: [], error: [] };

  constructor(url: string, protocols: string[]) {
    InProcessSocket.opened++;
    const target = new URL(url);
    target.protocol = target.protocol === "wss:" ? "https:" : "http:";
    void exports.default
      .fetch(new Request(target, { headers: { upgrade: "websocket", "sec-websocket-protocol": protocols.join(", ") } }))
      .then((res) => this.opened(res));
  }

  private opened(res: Response): void {
    const ws = res.webSocket;
    if (ws === null) {
      this.ended(1006, `upgrade refused: ${res.status}`);
      return;
    }
    ws.accept();
    this.ws = ws;
    this.readyState = 1;
    ws.addEventListener("message", (e) => {
      if (this.readyState !== 1 || typeof e.data !== "string") return;
      if (!InProcessSocket.cut(e.data)) for (const l of this.listeners.message) l({ data: e.data });
      else {
        // The frame is lost with the connection; the gateway sees the socket go away.
        ws.close(1011, "cut by the test");
        this.ended(1006, "");
      }
    });
    ws.addEventListener("close", (e) => this.ended(e.code, e.reason));
    for (const l of this.listeners.open) l();
  }

  private ended(code: number, reason: string): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    for (const l of this.listeners.close) l({ code, reason });
  }

  addEventListener(type: "open", listener: () => void): void;
  addEventListener(type: "message", listener: (event: SocketMessageEvent) => void): void;
  addEventListener(type: "close", listener: (event: SocketCloseEvent) => void): void;
  addEventListener(type: "error", listener: (event: unknown) => void): void;
  addEventListener(type: keyof Listeners, listener: (event: never) => void): void {
    (this.listeners[type] as ((event: never) => void)[]).push(listener);
  }

  send(data: string): void {
    this.ws?.send(data);
  }

  close(code?: number, reason?: string): void {
    this.ws?.close(code ?? 1000, reason);
    this.ended(code ?? 1000, reason ?? "");
  }
}
