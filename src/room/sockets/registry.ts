// A narrow view of the room's hibernatable sockets: find them by tag, count the open ones, close
// them, and report each departure exactly once however many ways the runtime reports it.
import { NewerFormatError } from "../../format-version.ts";
import { log } from "../../log.ts";
import { CloseCode } from "../../wire.ts";
import { ATTACHMENT_VERSION, attach, type ConnectionState, readAttachment, stateOf } from "./attachment.ts";
import { closeQuietly } from "./send.ts";

// Socket tags (not message tags) let the runtime find a user's or a connection's sockets without
// scanning the object; they are fixed when a socket is accepted.
export const userTag = (sub: string) => `u:${sub}`;
export const connectionTag = (connectionId: string) => `c:${connectionId}`;
/** Sockets that asked for presence frames. */
export const PRESENCE_TAG = "p";

function tagsFor(c: ConnectionState): string[] {
  const tags = [userTag(c.id), connectionTag(c.connectionId)];
  if (c.presence) tags.push(PRESENCE_TAG);
  return tags;
}

/** Duplicate close reports arrive within moments, so only recent departures need remembering. */
const DEPARTED_MEMORY = 10_000;

export class SocketRegistry {
  private readonly ctx: DurableObjectState;
  private readonly departed = new Set<string>();
  /**
   * Sockets accepted and not yet departed: counted once per object life from the runtime's list,
   * then kept, so a connect does not walk every socket of the room to check the room's cap.
   */
  private held: number | undefined;
  /** Sockets whose attachment this version cannot read (see `scan`); unknown until the first look. */
  private unreadable: Set<WebSocket> | undefined;

  constructor(ctx: DurableObjectState) {
    this.ctx = ctx;
  }

  accept(ws: WebSocket, state: ConnectionState): void {
    this.ctx.acceptWebSocket(ws, tagsFor(state));
    attach(ws, state);
    if (this.held !== undefined) this.held++;
  }

  /**
   * Open sockets in the whole object, and those closing whose departure has not been reported yet
   * (a peer's close on its way): a cap checked against it errs on the safe side.
   */
  count(): number {
    // Closing sockets count until their departure is reported, which takes them out again.
    this.held ??= this.all().length;
    return this.held;
  }

  /** Every socket (or those with `tag`), including ones already closing, but those this version cannot read. */
  all(tag?: string): WebSocket[] {
    const sockets = this.ctx.getWebSockets(tag);
    const unreadable = this.unreadable ?? this.scan();
    return unreadable.size === 0 ? sockets : sockets.filter((ws) => !unreadable.has(ws));
  }

  /** False for a socket whose attachment a newer gateway version wrote: it is being closed, and never read. */
  readable(ws: WebSocket): boolean {
    return !(this.unreadable ?? this.scan()).has(ws);
  }

  open(tag?: string): WebSocket[] {
    return this.all(tag).filter((ws) => ws.readyState === WebSocket.OPEN);
  }

  countOpen(tag?: string): number {
    let n = 0;
    for (const ws of this.all(tag)) if (ws.readyState === WebSocket.OPEN) n++;
    return n;
  }

  /** Whether any socket (with `tag`) has not departed yet, closing ones included. */
  holds(tag?: string): boolean {
    return this.all(tag).some((ws) => !this.departed.has(stateOf(ws).connectionId));
  }

  /**
   * Open presence subscribers but `except`. Tags are fixed at accept, so the attachment decides too:
   * a refresh without scope `presence` turns a socket's frames off.
   */
  presenceWatchers(except: WebSocket | undefined): WebSocket[] {
    return this.all(PRESENCE_TAG).filter(
      (ws) => ws !== except && ws.readyState === WebSocket.OPEN && stateOf(ws).presence,
    );
  }

  /** The socket's state the first time its departure is reported; undefined on every repeat. */
  departure(ws: WebSocket): ConnectionState | undefined {
    if (!this.readable(ws)) return undefined;
    const state = stateOf(ws);
    if (this.departed.has(state.connectionId)) return undefined;
    this.departed.add(state.connectionId);
    if (this.held !== undefined) this.held--;
    if (this.departed.size > DEPARTED_MEMORY) this.departed.delete(this.departed.values().next().value ?? "");
    return state;
  }

  /**
   * Once per object life, the first time the sockets are looked at: the code may have changed since
   * they were accepted (a deploy, or a rollback). An attachment of the version before is rewritten
   * in this one's format; one a newer version wrote is not read at all: that socket is closed with
   * 1001, and its client reconnects and resumes.
   */
  private scan(): Set<WebSocket> {
    const unreadable = new Set<WebSocket>();
    this.unreadable = unreadable;
    let refusal: NewerFormatError | undefined;
    for (const ws of this.ctx.getWebSockets()) {
      try {
        const stored: Parameters<typeof readAttachment>[0] = ws.deserializeAttachment();
        const state = readAttachment(stored);
        if (!("v" in stored) || stored.v !== ATTACHMENT_VERSION) attach(ws, state);
      } catch (err) {
        if (!(err instanceof NewerFormatError)) throw err;
        refusal = err;
        unreadable.add(ws);
        closeQuietly(ws, CloseCode.goingAway, "gateway version changed");
      }
    }
    if (refusal !== undefined) log("sockets_unreadable", { closed: unreadable.size, error: refusal.message });
    return unreadable;
  }
}
