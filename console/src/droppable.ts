// The browser WebSocket, with a way to cut the current socket as a network failure would: the SDK
// only sees a close, reconnects by itself and resumes. (Its `close()` would be a deliberate stop.)
import type { WebSocketConstructorLike } from "../../src/client/index.ts";

export type Droppable = { WebSocket: WebSocketConstructorLike; drop(): boolean };

export function droppableWebSocket(): Droppable {
  let current: WebSocket | undefined;
  class TrackedWebSocket extends WebSocket {
    constructor(url: string, protocols: string[]) {
      super(url, protocols);
      current = this;
    }
  }
  return {
    WebSocket: TrackedWebSocket,
    drop(): boolean {
      if (current === undefined || current.readyState !== WebSocket.OPEN) return false;
      // 1000 is retried like any drop (codes.ts); browsers allow only 1000 and 3000-4999 here.
      current.close(1000, "dropped from the console");
      return true;
    },
  };
}
