// SocketRegistry over a minimal stand-in for the runtime: sockets that record what was sent and
// keep an attachment, and a ctx that finds them by the tags acceptWebSocket recorded.
import { describe, expect, it } from "vitest";
import { attach, type ConnectionState } from "../../src/room/sockets/attachment.ts";
import { PRESENCE_TAG, SocketRegistry, userTag } from "../../src/room/sockets/registry.ts";
import { connectionState } from "../support/connection-state.ts";

class FakeSocket {
  readyState: number = WebSocket.OPEN;
  readonly sent: string[] = [];
  private attachment: unknown;
  send(frame: string): void {
    this.sent.push(frame);
  }
  close(): void {
    this.readyState = WebSocket.CLOSED;
  }
  serializeAttachment(value: unknown): void {
    this.attachment = structuredClone(value);
  }
  deserializeAttachment(): unknown {
    return this.attachment;
  }
}

function room() {
  const accepted: { ws: WebSocket; tags: string[] }[] = [];
  // SocketRegistry only calls these two methods of the state.
  const ctx = {
    acceptWebSocket: (ws: WebSocket, tags: string[]) => accepted.push({ ws, tags }),
    getWebSockets: (tag?: string) => accepted.filter((a) => tag === undefined || a.tags.includes(tag)).map((a) => a.ws),
  };
  const registry = new SocketRegistry(ctx as unknown as DurableObjectState);
  const join = (overrides: Partial<ConnectionState> = {}) => {
    const fake = new FakeSocket();
    registry.accept(fake as unknown as WebSocket, connectionState(overrides));
    return { fake, ws: fake as unknown as WebSocket };
  };
  return { registry, join };
}

describe("SocketRegistry", () => {
  it("finds an accepted socket by its user tag, and presence subscribers by theirs", () => {
    const { registry, join } = room();
    const alice = join({ id: "alice", presence: true });
    const bob = join({ id: "bob" });
    expect(registry.all(userTag("alice"))).toEqual([alice.ws]);
    expect(registry.all(PRESENCE_TAG)).toEqual([alice.ws]);
    expect(registry.all()).toEqual([alice.ws, bob.ws]);
  });

  it("counts and lists only open sockets", () => {
    const { registry, join } = room();
    join({ id: "alice" });
    const closing = join({ id: "alice" });
    closing.fake.readyState = WebSocket.CLOSING;
    expect(registry.countOpen(userTag("alice"))).toBe(1);
    expect(registry.open(userTag("alice"))).toHaveLength(1);
    expect(registry.all(userTag("alice"))).toHaveLength(2);
  });

  it("counts a socket, closing or not, until its departure is reported, and only once", () => {
    const { registry, join } = room();
    const a = join();
    const b = join();
    b.fake.close();
    expect(registry.count()).toBe(2);
    registry.departure(b.ws);
    registry.departure(b.ws);
    expect(registry.count()).toBe(1);
    registry.departure(a.ws);
    expect(registry.count()).toBe(0);
  });

  it("lists open presence subscribers but the socket the news is about", () => {
    const { registry, join } = room();
    const subject = join({ presence: true });
    const watcher = join({ presence: true });
    const closed = join({ presence: true });
    join({ presence: false });
    closed.fake.close();
    expect(registry.presenceWatchers(subject.ws)).toEqual([watcher.ws]);
  });

  it("leaves out a subscriber whose refresh dropped scope presence", () => {
    const { registry, join } = room();
    const demoted = join({ presence: true });
    attach(demoted.ws, connectionState({ presence: false }));
    expect(registry.presenceWatchers(undefined)).toEqual([]);
  });

  it("reports a departure once, however many times the runtime reports it", () => {
    const { registry, join } = room();
    const { ws } = join({ connectionId: "c-1", id: "alice" });
    expect(registry.departure(ws)).toMatchObject({ connectionId: "c-1", id: "alice" });
    expect(registry.departure(ws)).toBeUndefined();
  });

  it("forgets the oldest departures beyond the last 10,000", () => {
    const { registry, join } = room();
    const first = join();
    registry.departure(first.ws);
    for (let i = 0; i < 10_000; i++) registry.departure(join().ws);
    expect(registry.departure(first.ws)).toBeDefined();
  });
});
