// Frames a socket sent that the room is still working on. A publish on a shard waits for the
// coordinator, so the socket's next frames are handled meanwhile; if they end it (too many invalid
// frames), the close waits until every frame already accepted has had its answer. Otherwise the
// room would have stored publishes whose acks never left, and a client retrying them would publish
// them twice. In memory: nothing stays in flight across hibernation.

export class InFlight {
  private readonly counts = new Map<WebSocket, number>();
  private readonly closes = new Map<WebSocket, () => void>();

  /** Runs `work` as in flight for `ws`; a close waiting for it runs once it and the others are done. */
  async during<T>(ws: WebSocket, work: () => Promise<T>): Promise<T> {
    this.counts.set(ws, (this.counts.get(ws) ?? 0) + 1);
    try {
      return await work();
    } finally {
      const left = (this.counts.get(ws) ?? 1) - 1;
      if (left > 0) this.counts.set(ws, left);
      else {
        this.counts.delete(ws);
        this.runClose(ws);
      }
    }
  }

  /** Runs `close` now when nothing is in flight for `ws`, else once the last of it is done. */
  closeWhenDone(ws: WebSocket, close: () => void): void {
    this.closes.set(ws, close);
    if (!this.counts.has(ws)) this.runClose(ws);
  }

  /** Whether `ws` is waiting to be closed: its further frames are not handled. */
  closing(ws: WebSocket): boolean {
    return this.closes.has(ws);
  }

  private runClose(ws: WebSocket): void {
    const close = this.closes.get(ws);
    this.closes.delete(ws);
    close?.();
  }
}
