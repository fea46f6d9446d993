// A test client's side of a socket, whatever carries it (workerd's WebSocket in the Workers pool,
// `ws` against wrangler dev): frames are queued in arrival order until a test takes one, and every
// wait has a deadline instead of a sleep. Subclasses wire their transport's events to `received`,
// `ended` and `failed`.

export type Frame = { type: string; [k: string]: unknown };

function parseFrame(text: string): Frame {
  const value: unknown = JSON.parse(text);
  if (typeof value !== "object" || value === null || typeof (value as { type?: unknown }).type !== "string")
    throw new Error(`frame without a type: ${text.slice(0, 200)}`);
  return value as Frame;
}

export class FrameQueue {
  readonly frames: Frame[] = [];
  closed: { code: number; reason: string } | undefined;
  private failure: Error | undefined;
  private waiters: (() => void)[] = [];
  private readonly sendText: (text: string) => void;
  private readonly defaultWaitMs: number;

  protected constructor(sendText: (text: string) => void, defaultWaitMs: number) {
    this.sendText = sendText;
    this.defaultWaitMs = defaultWaitMs;
  }

  /** A text frame arrived; one that is not a typed JSON object fails every later wait. */
  protected received(text: string): void {
    try {
      this.frames.push(parseFrame(text));
    } catch (err) {
      this.failed(err instanceof Error ? err : new Error(String(err)));
    }
    this.wake();
  }

  protected ended(code: number, reason: string): void {
    this.closed = { code, reason };
    this.wake();
  }

  protected failed(err: Error): void {
    this.failure = err;
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private async waitForChange(deadline: number): Promise<void> {
    const left = deadline - Date.now();
    if (left <= 0) return;
    await new Promise<void>((resolveWait) => {
      const t = setTimeout(resolveWait, left);
      this.waiters.push(() => {
        clearTimeout(t);
        resolveWait();
      });
    });
  }

  send(frame: unknown): void {
    this.sendText(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /**
   * Waits for the first frame matching `match` and takes it together with every frame queued
   * before it, so a test can prove that something did NOT arrive ahead of a later marker. Fails at
   * once when the socket closed or failed without such a frame.
   */
  async takeUntil(
    match: (f: Frame) => boolean,
    timeoutMs = this.defaultWaitMs,
  ): Promise<{ frame: Frame; before: Frame[] }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.failure !== undefined) throw this.failure;
      const i = this.frames.findIndex(match);
      if (i >= 0) {
        const before = this.frames.splice(0, i + 1);
        const frame = before.pop() as Frame;
        return { frame, before };
      }
      if (this.closed !== undefined)
        throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}); have ${this.describe()}`);
      if (Date.now() >= deadline) throw new Error(`no matching frame within ${timeoutMs} ms; have ${this.describe()}`);
      await this.waitForChange(deadline);
    }
  }

  /** Takes the first frame matching `match`, leaving the others queued. */
  async next(match: (f: Frame) => boolean = () => true, timeoutMs = this.defaultWaitMs): Promise<Frame> {
    const { frame, before } = await this.takeUntil(match, timeoutMs);
    this.frames.unshift(...before);
    return frame;
  }

  nextOfType(type: string, timeoutMs?: number): Promise<Frame> {
    return this.next((f) => f.type === type, timeoutMs);
  }

  async waitClosed(timeoutMs = this.defaultWaitMs): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (this.closed === undefined) {
      if (Date.now() >= deadline) throw new Error(`socket did not close within ${timeoutMs} ms`);
      await this.waitForChange(deadline);
    }
    return this.closed;
  }

  private describe(): string {
    return JSON.stringify(this.frames);
  }
}
