// The client SDK's WebSocket inside workerd: the upgrade goes to the Worker in-process, and a test
// may cut the connection at a frame of its choice, as a network would, to force a reconnect.
import { exports } from "cloudflare:workers";
import type { WebSocketLike } from "../../src/client/transport.ts";
import { SocketListeners } from "./socket-listeners.ts";

/** Decides, for each frame the gateway sends, whether the connection dies instead of delivering it. */
export type Cut = (frame: string) => boolean;

export class InProcessSocket extends SocketListeners implements WebSocketLike {
  /** Set by a test; every socket opened from then on consults it. */
  static cut: Cut = () => false;
  static opened = 0;
  readyState = 0;
  private ws: WebSocket | undefined;

  constructor(url: string, protocols: string[]) {
    super();
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
      if (!InProcessSocket.cut(e.data)) this.emit("message", { data: e.data });
      else {
        // The frame is lost with the connection; the gateway sees the socket go away.
        ws.close(1011, "cut by the test");
        this.ended(1006, "");
      }
    });
    ws.addEventListener("close", (e) => this.ended(e.code, e.reason));
    this.emit("open", undefined);
  }

  private ended(code: number, reason: string): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.emit("close", { code, reason });
  }

  send(data: string): void {
    this.ws?.send(data);
  }

  close(code?: number, reason?: string): void {
    this.ws?.close(code ?? 1000, reason);
    this.ended(code ?? 1000, reason ?? "");
  }
}
