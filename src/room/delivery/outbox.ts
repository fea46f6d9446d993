// Coalesced delivery. An idle host delivers a message at once; while messages keep coming, the
// ones that arrive before the next turn of the event loop wait and go out together, so a busy room
// sends each batch socket one frame per turn instead of one per message. A publish learns how many
// sockets its message reached when its turn's delivery ran.

/** Runs `fn` on a later turn of the event loop (a zero-delay timer in the room). */
export type Defer = (fn: () => void) => void;

type Waiting<M> = { messages: readonly M[]; resolve: (delivered: number[]) => void; reject: (err: unknown) => void };

export class Outbox<M> {
  private busy = false;
  private waiting: Waiting<M>[] = [];
  private readonly deliver: (messages: readonly M[]) => number[];
  private readonly defer: Defer;

  /** `deliver` sends messages (in order) and answers how many sockets each reached. */
  constructor(deliver: (messages: readonly M[]) => number[], defer: Defer) {
    this.deliver = deliver;
    this.defer = defer;
  }

  /** The first message still waiting for its turn that `which` picks. */
  firstWaiting(which: (m: M) => boolean): M | undefined {
    for (const w of this.waiting) for (const m of w.messages) if (which(m)) return m;
    return undefined;
  }

  /** Delivers `messages` now when idle (an answer at hand), or with the next turn's others (a promise). */
  submit(messages: readonly M[]): number[] | Promise<number[]> {
    if (!this.busy) {
      this.busy = true;
      this.defer(() => this.turn());
      return this.deliver(messages);
    }
    return new Promise((resolve, reject) => this.waiting.push({ messages, resolve, reject }));
  }

  /** Delivers what waits now, before its turn: a socket about to be closed gets what it was due first. */
  flush(): void {
    if (this.waiting.length > 0) this.deliverWaiting();
  }

  /** Delivers what waited, all at once, and stays busy for one more turn; with nothing waiting, goes idle. */
  private turn(): void {
    if (this.waiting.length === 0) {
      this.busy = false;
      return;
    }
    this.defer(() => this.turn());
    this.deliverWaiting();
  }

  private deliverWaiting(): void {
    const due = this.waiting;
    this.waiting = [];
    let delivered: number[];
    try {
      delivered = this.deliver(due.flatMap((w) => w.messages));
    } catch (err) {
      for (const w of due) w.reject(err);
      return;
    }
    let at = 0;
    for (const w of due) {
      w.resolve(delivered.slice(at, at + w.messages.length));
      at += w.messages.length;
    }
  }
}
