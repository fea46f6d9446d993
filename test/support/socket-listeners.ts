// The listener half of the SDK's WebSocketLike, for test doubles of a socket: they keep the
// listeners here and call `emit` for what their server side does.
import type { SocketCloseEvent, SocketMessageEvent } from "../../src/client/transport.ts";

type Events = { open: undefined; message: SocketMessageEvent; close: SocketCloseEvent; error: unknown };
type Listeners = { [K in keyof Events]: ((event: Events[K]) => void)[] };

export class SocketListeners {
  private readonly listeners: Listeners = { open: [], message: [], close: [], error: [] };

  addEventListener(type: "open", listener: () => void): void;
  addEventListener(type: "message", listener: (event: SocketMessageEvent) => void): void;
  addEventListener(type: "close", listener: (event: SocketCloseEvent) => void): void;
  addEventListener(type: "error", listener: (event: unknown) => void): void;
  addEventListener(type: keyof Listeners, listener: (event: never) => void): void {
    (this.listeners[type] as ((event: never) => void)[]).push(listener);
  }

  protected emit<K extends keyof Events>(type: K, event: Events[K]): void {
    for (const l of this.listeners[type]) l(event);
  }
}
